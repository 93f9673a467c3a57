"""Every bad input gets a clear Chinese message on the public form and a 400 naming the field in the API;
nothing is saved either way."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from apps.registration.models import InsuredPerson, Registration
from apps.registration.services import add_months
from tests.registration.factories import registration_data
from tests.registration.helpers import as_form_data, as_json, with_wrong_check_char

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _bad(label):
    """(overrides, field, fragment of the Chinese message) for each kind of bad input."""
    data = registration_data()
    return {
        "wrong ID check character": ({"id_number": with_wrong_check_char(data["id_number"])}, "id_number", "校验位"),
        "unknown insured region": ({"insured_region": "329999"}, "insured_region", "不存在"),
        "unknown destination region": ({"destination_region": "319999"}, "destination_region", "不存在"),
        "destination is the insured pooling area": ({"destination_region": "320500"}, "destination_region",
                                                    "参保统筹区"),
        "destination is the province around the pooling area": ({"destination_region": "320000"},
                                                                 "destination_region", "参保统筹区"),
        "destination is a county": ({"destination_region": "310115"}, "destination_region", "不能是县"),
        "end before start": ({"end_date": TODAY - dt.timedelta(days=1)}, "end_date", "不得早于开始日期"),
        "temporary validity under six months": (
            {"category": "referral", "end_date": add_months(TODAY, 5)}, "end_date", "不得少于6个月"),
        "past start without a reason": ({"start_date": TODAY - dt.timedelta(days=10)}, "retroactive_reason",
                                        "补办原因"),
        "no commitment and no documents": ({"commitment_signed": False}, "commitment_signed", "个人承诺书"),
    }[label]


CASES = [
    "wrong ID check character", "unknown insured region", "unknown destination region",
    "destination is the insured pooling area", "destination is the province around the pooling area",
    "destination is a county", "end before start", "temporary validity under six months",
    "past start without a reason", "no commitment and no documents",
]


@pytest.mark.parametrize("label", CASES)
def test_api_answers_400_naming_the_field_and_saves_nothing(api_for, label):
    overrides, field, fragment = _bad(label)
    api = api_for("320508")
    response = api.post("/api/v1/registrations/", as_json(registration_data(**overrides)), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert any(fragment in message for message in response.json()[field])
    assert not Registration.objects.exists()
    assert not InsuredPerson.objects.exists()


@pytest.mark.parametrize("label", CASES)
def test_public_form_shows_the_chinese_message_and_saves_nothing(label):
    overrides, field, fragment = _bad(label)
    client = Client(enforce_csrf_checks=True)
    client.get("/registration/")
    data = as_form_data(registration_data(**overrides))
    response = client.post("/registration/", {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert fragment in " ".join(response.context["form"].errors.get(field, []))
    assert not Registration.objects.exists()


def test_several_faults_are_reported_together(api_for):
    data = registration_data(id_number="320508196005170000", destination_region="320500", commitment_signed=False)
    response = api_for("320508").post("/api/v1/registrations/", as_json(data), format="json")
    assert response.status_code == 400
    assert {"id_number", "destination_region", "commitment_signed"} <= set(response.json())
