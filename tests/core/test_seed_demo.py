"""seed_demo builds a data set over at least six provinces and prints a login that works."""
import io

import pytest
from django.core.management import call_command

from apps.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_prints_a_working_admin_login(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "admin" in text and DEMO_PASSWORD in text
    # through the login form (django-axes watches every sign-in, so the test client's login() is not enough)
    assert client.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
    # a second run duplicates nothing
    call_command("seed_demo", stdout=io.StringIO())
