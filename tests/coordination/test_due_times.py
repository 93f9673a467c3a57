"""Due times count working days: weekends and statutory holidays are skipped, adjusted working weekends count,
and the due time restarts whenever the ticket changes hands."""
import datetime as dt
from unittest import mock

import pytest

from apps.coordination import services
from apps.coordination.models import CategorySetting
from apps.coordination.workdays import CHINA, add_working_days, is_workday
from tests.coordination.factories import TicketFactory
from tests.factories import org


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, 0, tzinfo=CHINA)


def due(y, m, d):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=CHINA)


def test_one_working_day_from_a_friday_ends_on_monday_night():
    assert add_working_days(at(2025, 11, 14), 1) == due(2025, 11, 17)


def test_one_working_day_from_a_saturday_ends_on_monday_night():
    assert add_working_days(at(2025, 11, 15), 1) == due(2025, 11, 17)


def test_national_day_holidays_are_skipped_and_the_working_saturday_counts():
    # 国庆中秋 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
    assert add_working_days(at(2025, 9, 30), 1) == due(2025, 10, 9)
    assert add_working_days(at(2025, 9, 30), 3) == due(2025, 10, 11)


def test_an_adjusted_working_sunday_counts_as_a_working_day():
    assert is_workday(dt.date(2025, 9, 28))
    assert add_working_days(at(2025, 9, 27), 1) == due(2025, 9, 28)


def test_spring_festival_is_skipped():
    # 春节 2025: 01-28..02-04 off; Sunday 01-26 and Saturday 02-08 worked.
    assert add_working_days(at(2025, 1, 27), 1) == due(2025, 2, 5)


def test_late_evening_utc_counts_from_the_china_calendar_day():
    # 2025-11-14 17:00 UTC is already Saturday 01:00 in China: the first working day is Monday.
    landed = dt.datetime(2025, 11, 14, 17, 0, tzinfo=dt.timezone.utc)
    assert add_working_days(landed, 1) == due(2025, 11, 17)


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday():
    assert add_working_days(at(2099, 1, 2), 1) == due(2099, 1, 5)  # Friday → Monday


@pytest.mark.django_db
def test_a_raised_tickets_due_time_follows_its_categorys_working_days():
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 9, 30)):
        ticket = TicketFactory(raiser="320508", category="refund")  # 3 working days
    assert ticket.due_at == due(2025, 10, 11)


@pytest.mark.django_db
def test_a_changed_category_setting_changes_new_due_times():
    CategorySetting.objects.filter(category="other").update(time_limit_days=2)
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 14)):
        ticket = TicketFactory(raiser="320508", category="other")
    assert ticket.due_at == due(2025, 11, 18)


@pytest.mark.django_db
def test_the_due_time_restarts_when_the_ticket_changes_hands():
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 3)):
        ticket = TicketFactory(raiser="320508", category="settlement_failure")
    assert ticket.due_at == due(2025, 11, 4)
    with mock.patch("django.utils.timezone.now", return_value=at(2025, 11, 7)):
        services.escalate_ticket(actor=None, organisation=org("320500"), ticket=ticket, note="上报。")
    ticket.refresh_from_db()
    assert ticket.due_at == due(2025, 11, 10)
    assert ticket.held_since == at(2025, 11, 7)


def test_the_seeded_defaults_match_the_domain():
    from apps.coordination.models import DEFAULT_TIME_LIMITS

    assert DEFAULT_TIME_LIMITS["settlement_failure"] == 1
    assert DEFAULT_TIME_LIMITS["refund"] == 3
    assert DEFAULT_TIME_LIMITS["registration"] == 3
    assert DEFAULT_TIME_LIMITS["cost_review"] == 10
    assert DEFAULT_TIME_LIMITS["other"] == 5


@pytest.mark.django_db
def test_the_category_settings_are_seeded_in_the_database():
    rows = dict(CategorySetting.objects.values_list("category", "time_limit_days"))
    assert rows == {"settlement_failure": 1, "refund": 3, "registration": 3, "cost_review": 10, "policy": 5,
                    "system_fault": 5, "other": 5}
