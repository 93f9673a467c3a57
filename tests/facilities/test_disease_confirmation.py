"""Disease services: pending → confirmed (only by a bureau whose region holds the facility) → revoked."""
import pytest

from apps.core.errors import Conflict, NotAllowed
from apps.facilities.models import DiseaseServiceEvent, FacilityDisease
from apps.facilities.selectors import facility_offers_disease
from apps.facilities.services import confirm_disease, request_disease, revoke_disease
from apps.core.models import AuditEntry
from tests.facilities.factories import FacilityDiseaseFactory, FacilityFactory
from tests.factories import org

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    facility = FacilityFactory(code="H32050800001", county="320508")
    return request_disease(by=org("H32050800001"), facility_code=facility.code, disease_code="M03900")


def test_a_facility_requests_a_disease_and_it_waits_unconfirmed(pending):
    assert pending.status == "pending"
    assert not facility_offers_disease("H32050800001", "M03900")


@pytest.mark.parametrize("bureau", ["320508", "320500", "320000", "000000"])
def test_a_bureau_whose_region_holds_the_facility_confirms_it(pending, bureau):
    service = confirm_disease(by=org(bureau), facility_code="H32050800001", disease_code="M03900")
    assert service.status == "confirmed" and service.confirmed_by.code == bureau
    assert facility_offers_disease("H32050800001", "M03900")
    assert DiseaseServiceEvent.objects.filter(service=service, to_status="confirmed").exists()
    assert AuditEntry.objects.filter(action="facility.disease.confirm", object_id=str(service.pk)).exists()


@pytest.mark.parametrize("outsider", ["320583", "320100", "330000", "H32050800001"])
def test_a_bureau_outside_the_facilitys_region_or_the_facility_itself_cannot_confirm(pending, outsider):
    with pytest.raises(NotAllowed):
        confirm_disease(by=org(outsider), facility_code="H32050800001", disease_code="M03900")
    assert FacilityDisease.objects.get(pk=pending.pk).status == "pending"


def test_confirming_twice_is_a_conflict(pending):
    confirm_disease(by=org("320508"), facility_code="H32050800001", disease_code="M03900")
    with pytest.raises(Conflict):
        confirm_disease(by=org("320508"), facility_code="H32050800001", disease_code="M03900")


def test_a_revoked_disease_stops_counting_and_can_be_requested_again(pending):
    confirm_disease(by=org("320508"), facility_code="H32050800001", disease_code="M03900")
    revoke_disease(by=org("320500"), facility_code="H32050800001", disease_code="M03900", reason="停业整顿")
    assert not facility_offers_disease("H32050800001", "M03900")
    again = request_disease(by=org("H32050800001"), facility_code="H32050800001", disease_code="M03900")
    assert again.status == "pending" and again.pk == pending.pk
    steps = list(DiseaseServiceEvent.objects.filter(service=again).values_list("from_status", "to_status"))
    assert steps == [("", "pending"), ("pending", "confirmed"), ("confirmed", "revoked"), ("revoked", "pending")]


def test_a_bureau_outside_the_region_cannot_revoke(pending):
    confirm_disease(by=org("320508"), facility_code="H32050800001", disease_code="M03900")
    with pytest.raises(NotAllowed):
        revoke_disease(by=org("330000"), facility_code="H32050800001", disease_code="M03900")
    assert facility_offers_disease("H32050800001", "M03900")


def test_an_unknown_disease_code_is_refused_and_nothing_is_saved():
    FacilityFactory(code="H32050800001")
    from apps.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        request_disease(by=org("320508"), facility_code="H32050800001", disease_code="M99999")
    assert "不在病种目录中" in exc.value.message
    assert not FacilityDisease.objects.exists()


def test_a_facility_opened_for_a_family_offers_its_sub_codes():
    FacilityDiseaseFactory(facility=FacilityFactory(code="H32050800001"), disease__code="M07800",
                           disease__name="尿毒症透析")
    assert facility_offers_disease("H32050800001", "M07803")
    assert facility_offers_disease("H32050800001", "M07804")
    assert not facility_offers_disease("H32050800001", "M00503")


def test_a_facility_opened_for_a_sub_code_does_not_offer_its_siblings():
    FacilityDiseaseFactory(facility=FacilityFactory(code="H32050800001"), disease__code="M07803")
    assert facility_offers_disease("H32050800001", "M07803")
    assert not facility_offers_disease("H32050800001", "M07804")


def test_the_catalogue_is_seeded_with_the_five_national_diseases_and_their_families():
    from apps.facilities.models import ChronicDisease

    five = set(ChronicDisease.objects.filter(is_national_five=True).values_list("code", flat=True))
    assert five == {"M03900", "M01600", "M00503", "M07800", "M08300"}
    assert {"M00500", "M07803", "M07804"} <= set(ChronicDisease.objects.values_list("code", flat=True))
