"""The race harness really uses two connections: a row lock held by one call makes the other wait."""
import time

from django.db import connection, transaction

from apps.regions.models import Region
from tests.concurrency import run_concurrently


def test_two_calls_run_on_separate_connections_and_see_each_others_commits(race_db):
    code = Region.objects.filter(level="county").values_list("code", flat=True).first()
    order = []

    def hold_lock():
        with transaction.atomic():
            Region.objects.select_for_update().get(code=code)
            order.append(("locked", connection.connection.info.backend_pid))
            time.sleep(0.3)
            order.append(("released", None))

    def wait_for_lock():
        time.sleep(0.1)
        with transaction.atomic():
            Region.objects.select_for_update().get(code=code)
            order.append(("got", connection.connection.info.backend_pid))

    results = run_concurrently(hold_lock, wait_for_lock)
    assert results == [None, None]
    assert [o[0] for o in order] == ["locked", "released", "got"]
    assert order[0][1] != order[2][1]  # two backends, not one shared connection


def test_a_race_test_leaves_the_regions_and_removes_only_what_it_added(race_db):
    from apps.accounts.models import User
    from tests.factories import UserFactory

    assert Region.objects.filter(level="county").exists()
    UserFactory(org="320508")
    assert User.objects.filter(organisation__code="320508").exists()


def test_the_rows_of_the_previous_race_test_are_gone_and_the_regions_stay(race_db):
    from apps.accounts.models import User

    assert Region.objects.filter(level="county").count() > 2800
    assert not User.objects.filter(organisation__code="320508").exists()
