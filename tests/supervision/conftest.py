"""Supervision fixtures: the rule set and the restricted-item catalogue that migration 0003 seeds.

A transactional test (``race_db``) ends by flushing every table, the seeded rules included, and a reused test
database keeps that state; so the rules are seeded again (idempotently) when a session starts and before each
race test."""
import pytest

from tests.supervision.factories import seed_rules


@pytest.fixture(scope="session", autouse=True)
def supervision_rules(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seed_rules()
