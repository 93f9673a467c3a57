"""Shared fixtures: the real GB/T 2260 regions are loaded once per test database."""
import pytest
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
    """For race tests with two real connections (``tests.concurrency.run_concurrently``): a transactional
    database (each thread commits for real) with the regions loaded again after the previous flush."""
    from apps.regions.models import Region
    from apps.regions.services import load_regions

    if not Region.objects.filter(level="county").exists():
        load_regions()
