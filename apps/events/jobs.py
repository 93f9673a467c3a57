"""Long jobs with progress (我的任务): start one, report progress from inside it, finish with a result file or
fail with a reason the user can read.

An area declares a kind once, in its ``tasks.py``::

    @job_kind("registration.export", "导出备案（CSV）")
    def export_registrations(job, progress):
        ...                       # progress(done, total) now and then
        return "备案.csv", data   # the result file (or None)

and starts it from a service, an admin action or a view with ``start_job(user=..., kind=..., params=...)``.
The job runs on a worker (in-process after the commit without a broker); a job whose worker died is taken
up again when its message is redelivered."""
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from apps.core import audit
from apps.core.errors import DomainError, ValidationFailed

from .models import Job, JobStatus
from .queue import enqueue_on_commit

logger = logging.getLogger("apps.events.jobs")

STALE = dt.timedelta(minutes=10)  # a running job without progress for this long is presumed dead
PROGRESS_EVERY = 1.0  # seconds between progress writes


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable
    allowed: Callable | None = None  # allowed(organisation) -> bool; None: every organisation


_KINDS: dict[str, JobKind] = {}


def job_kind(name: str, label: str, *, allowed: Callable | None = None):
    """Register the decorated ``fn(job, progress) -> (filename, bytes) | None`` as the job kind ``name``."""
    def register(fn):
        _KINDS[name] = JobKind(name, label, fn, allowed)
        return fn
    return register


def kinds() -> dict[str, JobKind]:
    """Every registered kind (the areas' ``tasks`` modules are imported on first use)."""
    autodiscover_modules("tasks")
    return dict(_KINDS)


def kinds_for(organisation) -> list[JobKind]:
    return [k for k in kinds().values() if organisation is not None and (k.allowed is None or k.allowed(organisation))]


def start_job(*, user, kind: str, params: dict | None = None, organisation=None) -> Job:
    """Queue a job of ``kind`` for ``user`` (acting for their organisation); it starts once this commits."""
    organisation = organisation or getattr(user, "organisation", None)
    spec = kinds().get(kind)
    if spec is None or organisation is None or spec not in kinds_for(organisation):
        raise ValidationFailed("没有这种任务，或本机构不能发起它。", field="kind")
    job = Job.objects.create(user=user, organisation=organisation, region_id=organisation.region_id, kind=kind,
                             label=spec.label, params=params or {})
    audit.record(actor=user, organisation=organisation, action="events.job.start", obj=job,
                 summary=f"发起任务：{spec.label}", kind=kind)
    from .tasks import run_job

    enqueue_on_commit(run_job, job.pk)
    return job


class Progress:
    """``progress(done, total=None)``: records how far the job is, at most once a second (and always the
    first and last call), so a tight loop does not turn into a write per row."""

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self._last < PROGRESS_EVERY and self._last:
            return
        self._last = now
        fields = {"progress": max(0, int(done)), "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total"] = max(0, int(total))
        Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(**fields)


def _claim(job_id: int) -> bool:
    """queued → running (or a running job whose worker fell silent): one conditional UPDATE."""
    now = timezone.now()
    takeable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE)
    return Job.objects.filter(takeable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, progress=0, error="") == 1


def run(job_id: int) -> str | None:
    """Run a queued job to its end; returns its final status, or None when it is not this call's to run."""
    if not _claim(job_id):
        return None
    job = Job.objects.select_related("user", "organisation").get(pk=job_id)
    spec = kinds().get(job.kind)
    try:
        if spec is None:
            raise DomainError("该类任务已不再提供。")
        result = spec.run(job, Progress(job))
    except DomainError as exc:
        return _fail(job, exc.message)
    except Exception as exc:  # noqa: BLE001 - the user sees a reason, the log the whole story
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        return _fail(job, f"任务执行出错（{type(exc).__name__}），已记入日志；请稍后重试或联系管理员。")
    job.refresh_from_db(fields=["progress", "total"])
    if result is not None:
        filename, content = result
        job.result.save(filename, ContentFile(content), save=False)
        job.result_name = filename[:120]
    job.status = JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    if job.total is None:
        job.total = job.progress
    job.save(update_fields=["result", "result_name", "status", "finished_at", "total"])
    return JobStatus.SUCCEEDED


def _fail(job: Job, reason: str) -> str:
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=reason[:500], finished_at=timezone.now())
    return JobStatus.FAILED
