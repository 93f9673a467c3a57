"""With a real broker: a committed event travels through Redis to a real ``celery -A config worker`` (started
here as a subprocess on its own queue) and comes out as a notification, an SMS line and a signed webhook."""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection, transaction

from apps.events.models import Event, Notification, WebhookDelivery
from config.celery import app
from tests.events.factories import SECRET, approved_registration, record_approval, staff, subscribe

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout:.0f}s; worker log:\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def worker(race_db, tmp_path):
    """A real worker on a queue of its own, and this process publishing to it (restored afterwards)."""
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {BROKER}: the real-worker test needs it")
    queue = f"yidi-test-{uuid.uuid4().hex[:10]}"
    sms_path, log = tmp_path / "sms.jsonl", tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DEBUG": "true",
           "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": BROKER, "CELERY_QUEUE": queue,
           "YIDI_SMS_BACKEND": "file", "YIDI_SMS_FILE": str(sms_path), "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    try:
        _wait(lambda: b"ready." in log.read_bytes() or process.poll() is not None, 90, "the worker was not ready",
              log)
        assert process.poll() is None, log.read_text(errors="replace")
        app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
        yield {"sms": sms_path, "log": log}
    finally:
        app.conf.update(saved)
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_a_real_worker_delivers_a_committed_event(worker, receiver, loopback_allowed):
    reviewer = staff("310115")
    subscribe("310000", receiver.url)
    registration = approved_registration()
    with transaction.atomic():
        event = record_approval(registration)
    # sent to Redis on commit; everything after this happens in the worker process
    _wait(lambda: len(receiver.requests) == 1 and worker["sms"].exists(), 60,
          "the webhook and the SMS did not arrive", worker["log"])
    event = Event.objects.get(pk=event.pk)
    assert event.dispatched_at is not None
    assert list(Notification.objects.filter(event=event).values_list("user_id", flat=True)) == [reviewer.pk]
    [line] = [json.loads(x) for x in worker["sms"].read_text(encoding="utf-8").splitlines()]
    assert line["to"] == registration.person.phone and registration.reference in line["text"]
    request = receiver.requests[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["x-yidi-signature"] == expected
    assert json.loads(request["body"])["id"] == event.pk
    _wait(lambda: WebhookDelivery.objects.filter(event=event, status="delivered").exists(), 10,
          "the delivery was not recorded", worker["log"])
    worked = worker["log"].read_text(errors="replace")
    assert all(f"Task {name}[" in worked for name in ("events.dispatch", "events.send_sms", "events.deliver"))

