"""The scan is safe to run again, looks at new settlements with the older ones they pair with, and keeps verdicts."""
import datetime as dt

import pytest
from django.core.management import call_command

from apps.supervision.models import Flag, FlagStatus, ScanRun
from apps.supervision.services import run_scan
from tests.factories import org
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


def test_a_second_scan_adds_no_flag():
    f.plant_anomalies()
    first = run_scan(all_settlements=True)
    before = set(Flag.objects.values_list("id", "rule_id", "settlement_id", "evidence_key"))
    second = run_scan(all_settlements=True)
    assert first.flags_created == len(before) > 0
    assert second.flags_created == 0
    assert set(Flag.objects.values_list("id", "rule_id", "settlement_id", "evidence_key")) == before


def test_every_rule_has_flags_after_planting_the_anomalies():
    f.plant_anomalies()
    run = run_scan(all_settlements=True)
    assert all(count > 0 for count in run.counts.values()) and len(run.counts) == 11


def test_a_dismissed_flag_stays_dismissed_when_the_scan_runs_again():
    f.plant_duplicate()
    run_scan(all_settlements=True)
    flag = Flag.objects.filter(rule_id="DUPLICATE").first()
    from apps.supervision.services import conclude

    conclude(flag_id=flag.pk, actor=None, organisation=org("310000"), outcome="dismissed", note="两次门诊确为不同项目")
    run_scan(all_settlements=True)
    assert Flag.objects.filter(rule_id="DUPLICATE").count() == 2
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED


def test_a_new_stay_overlapping_an_already_scanned_one_flags_both():
    p, reg = f.registered()
    old = f.visit(p, reg, f.hospital(), day=dt.date(2026, 3, 1), end=dt.date(2026, 3, 10), visit_type="inpatient")
    run_scan()
    assert not Flag.objects.exists()
    new = f.visit(p, reg, f.hospital(), day=dt.date(2026, 3, 8), end=dt.date(2026, 3, 20), visit_type="inpatient")
    run = run_scan()  # since the last full scan began
    assert run.since is not None
    assert set(Flag.objects.filter(rule_id="INPATIENT_OVERLAP").values_list("settlement_id", "evidence_key")) == {
        (old.id, f"{new.facility_id}:{new.number}"), (new.id, f"{old.facility_id}:{old.number}")}


def test_an_incremental_scan_leaves_settlements_received_before_it_alone():
    f.plant_large_inpatient()
    ScanRun.objects.create(started_at=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc),
                           finished_at=dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc))
    assert run_scan().flags_created == 0
    assert run_scan(all_settlements=True).flags_created == 1


def test_the_command_runs_one_rule_and_reports_the_count(capsys):
    f.plant_large_inpatient()
    f.plant_duplicate()
    call_command("run_supervision", "--rule", "LARGE_INPATIENT", "--since", "2000-01-01")
    assert set(Flag.objects.values_list("rule_id", flat=True)) == {"LARGE_INPATIENT"}
    assert "新增可疑结算 1 条" in capsys.readouterr().out
