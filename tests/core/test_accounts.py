"""create_account: every account acts for one organisation; --token prints a working token last."""
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_token_printed_last_authenticates_against_the_api():
    out = io.StringIO()
    call_command("create_account", "--org", "320508", "--username", "partner1", "--token", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert len(token) == 40
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/regions/?level=province").status_code == 200
    assert User.objects.get(username="partner1").organisation.code == "320508"


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/regions/").status_code == 401


def test_unknown_organisation_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="不存在"):
        call_command("create_account", "--org", "999999", "--username", "x")
    assert not User.objects.filter(username="x").exists()


def test_staff_account_with_password_can_sign_in_to_the_admin(client):
    call_command("create_account", "--org", "320500", "--username", "clerk", "--password", "S3cure-pass!",
                 "--staff", stdout=io.StringIO())
    # through the login form (django-axes watches every sign-in, so the test client's login() is not enough)
    assert client.post("/admin/login/", {"username": "clerk", "password": "S3cure-pass!"}).status_code == 302
    resp = client.get("/admin/")
    assert resp.status_code == 200
    assert "苏州市医疗保障局" in resp.content.decode()
    assert "医保异地就医协同平台" in resp.content.decode()
