"""The public pages keep personal data out of caches and off the screen: no-store on every page that can
show it, the status lookup shows the ID number masked and never echoes the one typed, and a lookup that
does not match reads the same whether or not the ID number is known to us."""
import re

import pytest
from django.test import Client

from apps.core import idnumbers
from tests.registration.factories import RegistrationFactory, registration_data, unique_id_number
from tests.registration.helpers import as_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    client = Client(enforce_csrf_checks=True)
    client.get("/registration/")
    return client


def post(browser, url, data):
    return browser.post(url, {**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"].value})


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_form_its_result_and_the_status_page_are_never_stored(browser):
    assert no_store(browser.get("/registration/"))
    data = registration_data()
    refused = post(browser, "/registration/", as_form_data({**data, "destination_region": "320500"}))
    assert refused.status_code == 200 and data["id_number"] in refused.content.decode()  # the typed form, echoed
    assert no_store(refused)
    done = post(browser, "/registration/", as_form_data(data))
    assert done.status_code == 302
    assert no_store(done)
    result = browser.get("/registration/done/")
    assert result.status_code == 200 and no_store(result)
    assert no_store(browser.get("/registration/status/"))
    lookup = post(browser, "/registration/status/", {"reference": "BA20990101000001", "id_number": data["id_number"]})
    assert no_store(lookup)


def test_the_status_page_shows_the_id_number_masked_and_never_echoes_the_one_typed(browser):
    registration = RegistrationFactory(status="approved")
    full = registration.person.id_number
    found = post(browser, "/registration/status/", {"reference": registration.reference, "id_number": full})
    page = found.content.decode()
    assert "已备案" in page
    assert idnumbers.mask(full) in page
    assert full not in page
    missing = post(browser, "/registration/status/", {"reference": "BA20990101000001", "id_number": full})
    assert full not in missing.content.decode()
    invalid = post(browser, "/registration/status/", {"reference": "", "id_number": full})  # re-shown with errors
    assert invalid.context["form"].errors and full not in invalid.content.decode()


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_wrong_reference_reads_the_same_for_a_known_and_an_unknown_id_number(browser):
    known = RegistrationFactory(status="approved").person.id_number
    unknown = unique_id_number("110101")
    pages = [post(browser, "/registration/status/", {"reference": "BA20990101000001", "id_number": n})
             for n in (known, unknown)]
    assert all(p.status_code == 200 for p in pages)
    assert _without_tokens(pages[0].content.decode()) == _without_tokens(pages[1].content.decode())
    assert "未查询到备案" in pages[0].content.decode()


def test_the_confirmation_tells_everyone_the_same_about_the_phone_on_file(browser):
    page = post(browser, "/registration/", as_form_data(registration_data()))
    assert page.status_code == 302
    text = browser.get("/registration/done/").content.decode()
    assert "不会替换已登记的信息" in text
