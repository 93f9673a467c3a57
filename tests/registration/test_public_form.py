"""The public self-service form, end to end in the test client with CSRF enforced, and the status lookup."""
import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from apps.registration.models import Registration
from tests.registration.factories import RegistrationFactory, registration_data
from tests.registration.helpers import as_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def token(client) -> str:
    return client.cookies["csrftoken"].value


def test_a_person_registers_on_the_form_and_finds_the_result_with_the_status_lookup(browser):
    form_page = browser.get("/registration/")
    assert form_page.status_code == 200
    assert "办理异地就医备案" in form_page.content.decode()
    data = registration_data(category="referral")
    response = browser.post("/registration/", {**as_form_data(data), "csrfmiddlewaretoken": token(browser)},
                            follow=True)
    page = response.content.decode()
    registration = Registration.objects.get()
    assert response.redirect_chain[-1][0].endswith("/registration/done/")
    assert registration.reference in page
    assert "待审核" in page and "接下来" in page
    assert registration.channel == "web"

    browser.get("/registration/status/")
    lookup = browser.post("/registration/status/", {"reference": registration.reference.lower(),
                                                    "id_number": data["id_number"],
                                                    "csrfmiddlewaretoken": token(browser)})
    result = lookup.content.decode()
    assert "待审核" in result
    assert f"{registration.start_date:%Y-%m-%d} 至 {registration.end_date:%Y-%m-%d}" in result
    assert data["name"] not in result  # status and validity only


def test_the_form_accepts_region_names_from_the_suggestion_list(browser):
    browser.get("/registration/")
    data = as_form_data(registration_data(insured_region="苏州市（320500）", destination_region="杭州市"))
    browser.post("/registration/", {**data, "csrfmiddlewaretoken": token(browser)})
    registration = Registration.objects.get()
    assert (registration.insured_region_id, registration.destination_region_id) == ("320500", "330100")


def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(browser):
    browser.get("/registration/")
    response = browser.post("/registration/", as_form_data(registration_data()))
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_instant_approval_is_shown_on_the_confirmation(browser):
    from apps.regions.models import Region

    Region.objects.filter(code="320500").update(instant_approval=True)
    browser.get("/registration/")
    page = browser.post("/registration/", {**as_form_data(registration_data()),
                                           "csrfmiddlewaretoken": token(browser)}, follow=True).content.decode()
    assert "已即时生效" in page and "已备案" in page


def test_the_confirmation_is_only_for_the_browser_that_submitted(browser):
    response = Client().get("/registration/done/")
    assert response.status_code == 302
    assert response["Location"].endswith("/registration/")


def test_a_wrong_id_number_reveals_nothing_and_reads_like_an_unknown_reference(browser):
    registration = RegistrationFactory(status="approved")
    browser.get("/registration/status/")
    wrong_pair = browser.post("/registration/status/", {
        "reference": registration.reference, "id_number": "110101199003074514",
        "csrfmiddlewaretoken": token(browser)}).content.decode()
    unknown = browser.post("/registration/status/", {
        "reference": "BA20990101000001", "id_number": registration.person.id_number,
        "csrfmiddlewaretoken": token(browser)}).content.decode()
    assert "未查询到备案" in wrong_pair and "未查询到备案" in unknown
    assert "已备案" not in wrong_pair

    def strip_token(html):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", re.sub(r'value="[^"]*"', "", html))
    assert strip_token(wrong_pair) == strip_token(unknown)


@override_settings(YIDI_PUBLIC_FORM_RATE="2/hour")
def test_a_client_over_the_rate_is_told_in_chinese_and_nothing_is_saved(browser):
    browser.get("/registration/")
    for _ in range(2):
        browser.post("/registration/", {**as_form_data(registration_data()), "csrfmiddlewaretoken": token(browser)})
    assert Registration.objects.count() == 2
    response = browser.post("/registration/", {**as_form_data(registration_data()),
                                               "csrfmiddlewaretoken": token(browser)})
    assert response.status_code == 429
    assert "操作过于频繁" in response.content.decode()
    assert Registration.objects.count() == 2


@override_settings(YIDI_PUBLIC_FORM_RATE="1/hour")
def test_the_status_lookup_is_throttled_too(browser):
    browser.get("/registration/status/")
    data = {"reference": "BA20990101000001", "id_number": "110101199003074514", "csrfmiddlewaretoken": token(browser)}
    assert browser.post("/registration/status/", data).status_code == 200
    throttled = browser.post("/registration/status/", data)
    assert throttled.status_code == 429
    assert "操作过于频繁" in throttled.content.decode()


@override_settings(YIDI_PUBLIC_FORM_RATE="1/hour")
def test_the_throttle_counts_per_client_address():
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for client in (one, other):
        client.get("/registration/")
        client.post("/registration/", as_form_data(registration_data()))
    assert Registration.objects.count() == 2


def test_the_form_page_is_built_for_a_phone_screen(browser):
    page = browser.get("/registration/").content.decode()
    assert 'name="viewport" content="width=device-width' in page
    assert 'type="date"' in page and 'type="tel"' in page
    assert timezone.localdate().isoformat() in page  # start date defaults to today
