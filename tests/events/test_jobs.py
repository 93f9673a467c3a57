"""Long jobs (我的任务): started after the commit, progress recorded, a result file for its owner only, and a
reason the user can read when it fails."""
import pytest
from django.urls import reverse

from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from apps.events import jobs
from apps.events.models import Job, JobStatus
from tests.events.factories import approved_registration, staff
from tests.facilities.factories import FacilityFactory
from tests.registration.factories import InsuredPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def temporary_kind():
    added = []

    def add(name, fn):
        jobs.job_kind(name, f"测试任务 {name}")(fn)
        added.append(name)

    yield add
    for name in added:
        jobs._KINDS.pop(name, None)


def _export_in_scope():
    mine = approved_registration(person=InsuredPersonFactory(insured="320508"), destination="310000")
    approved_registration()  # 上海浦东 → 苏州市: not in 姑苏区's scope
    return mine


def test_an_export_started_in_the_admin_runs_after_the_commit_and_its_owner_downloads_it(
        admin_client_for, commits):
    mine = _export_in_scope()
    client = admin_client_for("320508")
    with commits():
        response = client.post(reverse("admin:events_job_start"), {"kind": "registration.export"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.user, job.status, job.progress, job.total) == (client.user, JobStatus.SUCCEEDED, 1, 1)
    assert AuditEntry.objects.filter(action="events.job.start", object_id=str(job.pk)).exists()
    listing = client.get(reverse("admin:events_job_changelist")).content.decode()
    assert "导出备案（CSV）" in listing and "100%" in listing and "下载" in listing
    download = client.get(reverse("admin:events_job_download", args=[job.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert mine.reference in text and mine.person.masked_id in text and mine.person.id_number not in text
    assert text.count("\n") == 2  # the header and the one registration in scope


def test_someone_elses_job_is_neither_listed_nor_downloadable(admin_client_for, client, commits):
    _export_in_scope()
    owner = staff("320508")
    with commits():
        job = jobs.start_job(user=owner, kind="registration.export")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    colleague = admin_client_for("320508")
    assert colleague.get(reverse("admin:events_job_download", args=[job.pk])).status_code == 404
    assert f"/{job.pk}/download/" not in colleague.get(reverse("admin:events_job_changelist")).content.decode()


def test_a_job_that_fails_says_why(commits):
    with commits():
        job = jobs.start_job(user=staff("320508"), kind="registration.export", params={"status": "bogus"})
    job.refresh_from_db()
    assert (job.status, job.error, bool(job.result)) == (JobStatus.FAILED, "导出条件中的状态无效。", False)


def test_an_unexpected_error_fails_the_job_with_a_readable_reason(commits, temporary_kind, caplog):
    def broken(job, progress):
        raise RuntimeError("disk on fire")

    temporary_kind("test.broken", broken)
    with commits():
        job = jobs.start_job(user=staff("320508"), kind="test.broken")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "RuntimeError" in job.error and "disk" not in job.error
    assert "disk on fire" in caplog.text


def test_progress_is_recorded_while_the_job_runs(commits, temporary_kind):
    seen = []

    def counting(job, progress):
        progress(5, 10)
        seen.append(Job.objects.values_list("status", "progress", "total").get(pk=job.pk))
        progress(10, 10)
        return "result.txt", b"done"

    temporary_kind("test.counting", counting)
    with commits():
        job = jobs.start_job(user=staff("320508"), kind="test.counting")
    job.refresh_from_db()
    assert seen == [(JobStatus.RUNNING, 5, 10)]
    assert (job.status, job.progress, job.total, job.percent, job.result_name) == (
        JobStatus.SUCCEEDED, 10, 10, 100, "result.txt")


def test_a_job_runs_once_even_if_its_message_arrives_twice(commits, temporary_kind):
    runs = []
    temporary_kind("test.once", lambda job, progress: runs.append(job.pk))
    with commits():
        job = jobs.start_job(user=staff("320508"), kind="test.once")
    assert jobs.run(job.pk) is None
    assert runs == [job.pk]


def test_a_facility_cannot_start_a_registration_export():
    facility = FacilityFactory(county="320508")
    with pytest.raises(ValidationFailed):
        jobs.start_job(user=staff(facility.code), kind="registration.export")
    assert not Job.objects.exists()
