"""Point 4: weak passwords are refused with the validators' Chinese messages (create_account, the admin's account
forms), the demo and test passwords pass, and admin sessions end after a working day idle or on browser close."""
import datetime as dt
import io

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import create_account
from apps.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WEAK = {
    "12345678": ["这个密码太常见了", "密码只包含数字"],
    "password": ["这个密码太常见了"],
    "gusu-clerk": ["太相似"],  # the username itself
    "x7-Kq": ["密码长度太短"],
}


@pytest.mark.parametrize("password", WEAK)
def test_create_account_refuses_a_weak_password_in_chinese(password):
    with pytest.raises(CommandError) as exc:
        call_command("create_account", "--org", "320508", "--username", "gusu-clerk", "--password", password,
                     "--staff", stdout=io.StringIO())
    for words in WEAK[password]:
        assert words in str(exc.value)
    assert "密码不符合要求" in str(exc.value)
    assert not User.objects.filter(username="gusu-clerk").exists()
    assert not AuditEntry.objects.filter(action="accounts.create").exists()


def test_the_service_names_the_password_field():
    with pytest.raises(ValidationFailed) as exc:
        create_account(org_code="320508", username="gusu-clerk", password="password")
    assert exc.value.field == "password"


def test_a_good_password_makes_an_audited_account():
    user, _ = create_account(org_code="320508", username="gusu-clerk", password="Suzhou-Gusu-2026!", staff=True)
    assert user.check_password("Suzhou-Gusu-2026!")
    entry = AuditEntry.objects.get(action="accounts.create", object_id=str(user.pk))
    assert entry.organisation.code == "320508" and "gusu-clerk" in entry.summary


def test_the_demo_and_test_passwords_pass_the_validators():
    usernames = [name for name, _, _ in DEMO_ACCOUNTS] + ["gusu-hospital"]
    for username in usernames:
        password_validation.validate_password(DEMO_PASSWORD, User(username=username))
    password_validation.validate_password("pass-Word-123", User(username="user1"))  # UserFactory's
    password_validation.validate_password("S3cure-pass!", User(username="clerk"))  # test_accounts.py's


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(org="000000", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("password", ["12345678", "password", "gusu-clerk"])
def test_the_admin_add_account_form_refuses_a_weak_password(superuser_client, password):
    from apps.regions.models import Organisation

    org = Organisation.objects.get(code="320508")
    response = superuser_client.post("/admin/accounts/user/add/", {
        "username": "gusu-clerk", "organisation": org.pk, "password1": password, "password2": password,
        "usable_password": "true"})
    assert response.status_code == 200
    errors = " ".join(str(e) for errors in response.context["adminform"].form.errors.values() for e in errors)
    assert "太常见" in errors or "太相似" in errors or "只包含数字" in errors, errors
    assert not User.objects.filter(username="gusu-clerk").exists()


def test_the_admin_add_account_form_takes_a_good_password(superuser_client):
    from apps.regions.models import Organisation

    org = Organisation.objects.get(code="320508")
    response = superuser_client.post("/admin/accounts/user/add/", {
        "username": "gusu-clerk", "organisation": org.pk, "password1": "Suzhou-Gusu-2026!",
        "password2": "Suzhou-Gusu-2026!", "usable_password": "true"})
    assert response.status_code == 302
    user = User.objects.get(username="gusu-clerk")
    assert user.check_password("Suzhou-Gusu-2026!")
    entry = AuditEntry.objects.get(action="accounts.create", object_id=str(user.pk))
    assert "gusu-clerk" in entry.summary and entry.actor.is_superuser


def test_a_good_new_password_from_the_admin_is_audited_without_the_password(superuser_client):
    clerk = UserFactory(org="320508", is_staff=True, username="gusu-clerk")
    response = superuser_client.post(f"/admin/accounts/user/{clerk.pk}/password/", {
        "password1": "Suzhou-Gusu-2026!", "password2": "Suzhou-Gusu-2026!", "usable_password": "true"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Suzhou-Gusu-2026!")
    entry = AuditEntry.objects.get(action="accounts.change", object_id=str(clerk.pk))
    assert entry.summary == "修改账户 gusu-clerk 的密码"
    assert "Suzhou-Gusu-2026!" not in str(entry.data) and clerk.password not in str(entry.data)


@pytest.mark.parametrize("password", ["12345678", "password", "gusu-clerk"])
def test_the_admin_change_password_form_refuses_a_weak_password(superuser_client, password):
    clerk = UserFactory(org="320508", is_staff=True, username="gusu-clerk")
    before = clerk.password
    response = superuser_client.post(f"/admin/accounts/user/{clerk.pk}/password/", {
        "password1": password, "password2": password, "usable_password": "true"})
    assert response.status_code == 200
    assert "太常见" in response.content.decode() or "太相似" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.password == before
    assert not AuditEntry.objects.filter(action="accounts.change").exists()


def test_staff_changing_their_own_password_meet_the_validators_too(admin_client_for):
    client = admin_client_for("320508")
    before = client.user.password
    response = client.post("/admin/password_change/", {
        "old_password": "pass-Word-123", "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and "这个密码太常见了" in response.content.decode()
    client.user.refresh_from_db()
    assert client.user.password == before


def test_an_admin_session_ends_after_a_working_day_idle_and_on_browser_close(client):
    UserFactory(org="320508", is_staff=True, username="gusu-clerk")
    response = client.post("/admin/login/?next=/admin/", {"username": "gusu-clerk", "password": "pass-Word-123"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    session = Session.objects.get(session_key=cookie.value)
    left = session.expire_date - timezone.now()
    assert dt.timedelta(hours=7, minutes=59) < left <= dt.timedelta(hours=8)

    # every request starts the working day again
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + dt.timedelta(hours=1))
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date - timezone.now() > dt.timedelta(hours=7, minutes=59)

    # eight hours without a request: signed out
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
