"""Registration tests: a clean cache (the public pages' throttle counts live there) for every test."""
import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()
