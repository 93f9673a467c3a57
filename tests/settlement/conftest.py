"""Fixtures of the settlement tests: a 三级 hospital in 苏州姑苏区 and API clients acting for it and for bureaus."""
import pytest

from tests.facilities.factories import FacilityFactory


@pytest.fixture
def hospital(db):
    return FacilityFactory(county="320508", level="3")


@pytest.fixture
def hospital_api(api_for, hospital):
    return api_for(hospital.code)
