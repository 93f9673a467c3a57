"""Content-Security-Policy on every page (scripts only from this server, no inline script anywhere), and
Cache-Control: no-store on the answers that carry personal data."""
import re

import pytest
from django.test import Client

from tests.registration.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def inline_scripts(html: str) -> list[str]:
    """<script> elements without src, and on…= event handler attributes: what script-src 'self' blocks."""
    tags = re.findall(r"<script\b[^>]*>", html, re.IGNORECASE)
    handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE)
    return [t for t in tags if "src=" not in t] + handlers


def assert_strict(response):
    csp = policy(response)
    assert csp["script-src"] == ["'self'"], csp
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]


def test_admin_login_is_strict_and_has_no_inline_script(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_strict(response)
    assert inline_scripts(response.content.decode()) == []


def test_admin_pages_have_no_inline_script(admin_client_for):
    client = admin_client_for("000000")
    registration = RegistrationFactory(status="submitted")
    for url in ("/admin/", "/admin/registration/registration/", "/admin/registration/registration/add/",
                f"/admin/registration/registration/{registration.pk}/change/",
                "/admin/facilities/facility/coverage/", "/admin/settlement/settlement/",
                "/admin/coordination/ticket/", "/admin/supervision/flag/"):
        response = client.get(url, follow=True)
        if response.status_code == 404:  # an area that has no such page
            continue
        assert response.status_code == 200, url
        assert_strict(response)
        assert inline_scripts(response.content.decode()) == [], url


def test_public_pages_are_strict_and_have_no_inline_script():
    for url in ("/", "/registration/", "/registration/status/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert inline_scripts(response.content.decode()) == [], url


def test_api_docs_load_their_initialiser_as_a_script_file():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    assert_strict(page)
    html = page.content.decode()
    assert inline_scripts(html) == []
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3 and all(s.startswith("/") for s in sources)  # bundle, preset, initialiser
    initialiser = Client().get(sources[-1].replace("&amp;", "&"))
    assert initialiser.status_code == 200
    assert initialiser["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in initialiser.content.decode()


def test_api_answers_carry_the_policy_too(api_for):
    assert_strict(api_for("000000").get("/api/v1/regions/?level=province"))


def test_api_answers_with_personal_data_are_not_stored(api_for):
    registration = RegistrationFactory()
    api = api_for("000000")
    for url in ("/api/v1/registrations/", f"/api/v1/registrations/{registration.reference}/"):
        response = api.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_admin_and_public_registration_pages_are_not_stored(admin_client_for):
    admin = admin_client_for("000000")
    for response in (admin.get("/admin/"), admin.get("/admin/registration/registration/"),
                     Client().get("/admin/login/"), Client().get("/registration/"),
                     Client().get("/registration/status/")):
        assert "no-store" in response["Cache-Control"]


def test_errors_on_the_api_are_not_stored_either(client):
    response = client.get("/api/v1/registrations/")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]
