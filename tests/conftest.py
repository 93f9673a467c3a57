"""Shared fixtures: the real GB/T 2260 regions are loaded once per test database."""
import pytest
from django.apps import apps
from django.db import connection
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from apps.regions.models import Region
    from apps.regions.services import load_regions

    with django_db_blocker.unblock():
        if not Region.objects.filter(level="county").exists():
            load_regions()


@pytest.fixture
def api_for(db):
    """``api_for("320508")`` → an APIClient authenticated by token as an account of that organisation."""

    def make(org_code: str, **user_kwargs) -> APIClient:
        user = UserFactory(org=org_code, **user_kwargs)
        client = APIClient()
        client.force_authenticate(user=user)
        client.user = user
        return client

    return make


@pytest.fixture
def admin_client_for(db, client):
    """``admin_client_for("320508")`` → a Django test client signed in as staff of that organisation."""

    def make(org_code: str, **user_kwargs):
        user = UserFactory(org=org_code, is_staff=True, **user_kwargs)
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def race_db(transactional_db):
    """For race tests with two real connections (``tests.concurrency.run_concurrently``): writes commit for
    real, and afterwards only the rows the test added are deleted (see ``_delete_rows_added_since``), so
    the regions and the catalogues that migrations load stay in place for the next test."""


def _table_marks() -> dict:
    """Per table, what is there now: the highest integer primary key, or the set of other primary keys."""
    marks = {}
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            table, pk = model._meta.db_table, model._meta.pk.column
            if model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
                cur.execute(f'SELECT MAX("{pk}") FROM "{table}"')
                marks[(table, pk)] = ("max", cur.fetchone()[0] or 0)
            else:
                cur.execute(f'SELECT "{pk}" FROM "{table}"')
                marks[(table, pk)] = ("set", [r[0] for r in cur.fetchall()])
    return marks


def _delete_rows_added_since(marks: dict) -> None:
    """Delete every row added after ``marks`` (foreign-key triggers off meanwhile, so order does not matter).
    Rows that existed before and were changed are not restored: race tests work on rows they create."""
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        try:
            for (table, pk), (kind, mark) in marks.items():
                if kind == "max":
                    cur.execute(f'DELETE FROM "{table}" WHERE "{pk}" > %s', [mark])
                else:
                    cur.execute(f'DELETE FROM "{table}" WHERE NOT ("{pk}" = ANY(%s))', [mark])
        finally:
            cur.execute("SET session_replication_role = DEFAULT")


def _fixture_setup(cls):
    _original_fixture_setup(cls)
    cls._yidi_marks = _table_marks()


def _fixture_teardown(self):
    """Instead of flushing every table (and losing the regions and the migrations' catalogues, which take
    far longer to load again than the test took), delete what the test added."""
    _delete_rows_added_since(self._yidi_marks)


# Every transactional test in this suite (race tests) cleans up by deletion rather than a flush.
_original_fixture_setup = TransactionTestCase._fixture_setup.__func__
TransactionTestCase._fixture_setup = classmethod(_fixture_setup)
TransactionTestCase._fixture_teardown = _fixture_teardown
