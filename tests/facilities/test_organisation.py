"""Each facility is a fifth-tier organisation under its county bureau; its accounts act for it."""
import pytest

from apps.accounts.services import create_account
from apps.facilities.services import import_facilities, register_facility, update_facility
from apps.regions.models import Organisation, Tier
from apps.regions.scope import org_of
from tests.facilities.conftest import import_row
from tests.factories import org

pytestmark = pytest.mark.django_db


def test_registering_a_facility_creates_its_organisation_under_the_county_bureau():
    facility = register_facility(by=org("320508"), code="H32050800007", name="苏州市立医院", kind="hospital")
    organisation = facility.organisation
    assert organisation.code == "H32050800007"
    assert organisation.tier == Tier.FACILITY
    assert organisation.region_id == "320508"
    assert organisation.parent.code == "320508"
    assert organisation.name == "苏州市立医院"


def test_renaming_a_facility_renames_its_organisation():
    register_facility(by=org("320508"), code="H32050800007", name="旧名", kind="hospital")
    update_facility(by=org("320508"), code="H32050800007", name="新名")
    assert Organisation.objects.get(code="H32050800007").name == "新名"


def test_importing_creates_and_links_the_organisations():
    import_facilities(rows=[import_row("H32050800011"), import_row("P32058300002")], by=org("320500"))
    for code, county in (("H32050800011", "320508"), ("P32058300002", "320583")):
        organisation = Organisation.objects.get(code=code)
        assert organisation.tier == Tier.FACILITY and organisation.parent.code == county
        assert organisation.facility.code == code


def test_a_facility_account_acts_for_the_facility():
    register_facility(by=org("320508"), code="H32050800007", name="苏州市立医院", kind="hospital")
    user, _ = create_account(org_code="H32050800007", username="hospital-7")
    assert org_of(user).facility.code == "H32050800007"
    assert org_of(user).is_facility
