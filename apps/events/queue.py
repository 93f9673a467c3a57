"""Handing work to Celery: to the worker when a broker is configured, in-process when it is not.

Callers never see a failure here: a task that cannot be sent (the broker is down) or that fails in-process
is logged and stays visible in its own row (an undispatched event, a pending delivery, a queued job),
which the sweeper picks up again. So a committed change never answers 500 because of its side effects."""
import logging

from django.db import transaction

from config.celery import app

logger = logging.getLogger("apps.events")


def in_process() -> bool:
    """True when there is no broker: tasks run here, right after the commit (the quick start, the tests)."""
    return bool(app.conf.task_always_eager)


def enqueue(task, *args, countdown: float | None = None) -> None:
    """Run ``task(*args)`` on a worker (after ``countdown`` seconds) or, without a broker, here and now."""
    if in_process():
        result = task.apply(args)
        if result.failed():
            logger.error("Task %s%r failed in-process: %s", task.name, args, result.traceback)
        return
    try:
        task.apply_async(args, countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - the broker is away: the sweeper sends it later
        logger.warning("Task %s%r not sent (%s: %s); the sweeper will retry", task.name, args,
                       type(exc).__name__, exc)


def enqueue_on_commit(task, *args) -> None:
    """``enqueue`` once the current transaction commits (at once outside one); nothing if it rolls back."""
    transaction.on_commit(lambda: enqueue(task, *args))
