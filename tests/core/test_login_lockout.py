"""Point 4: repeated wrong passwords lock a username at one address (django-axes); a superuser lifts it; the
partner API's tokens are not affected."""
import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
RIGHT = "pass-Word-123"  # UserFactory's password
LOCKOUTS = "/admin/accounts/loginlockout/"


def attempt(client, username, password, ip="10.1.1.1", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock(client, username, ip="10.1.1.1", **headers):
    responses = [attempt(client, username, f"wrong-{i}", ip, **headers) for i in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    return responses[-1]


@pytest.fixture
def clerk():
    return UserFactory(org="320508", is_staff=True, username="gusu-clerk")


def test_the_settings_are_five_failures_by_username_and_address_for_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME * 60 == 30
    assert settings.AXES_CLIENT_IP_CALLABLE == "apps.core.net.client_ip"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_a_wrong_password_is_answered_on_the_login_page_before_the_limit(client, clerk):
    response = attempt(client, "gusu-clerk", "wrong")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode() or "正确的用户名和密码" in response.content.decode()
    assert not signed_in(client)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, clerk):
    fifth = lock(client, "gusu-clerk")
    assert fifth.status_code == 429
    assert "已被临时锁定" in fifth.content.decode() and "30 分钟后再试" in fifth.content.decode()
    sixth = attempt(client, "gusu-clerk", RIGHT)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert "登录已锁定" in page and "连续 5 次登录失败" in page and "gusu-clerk" in page
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302  # still to the login page
    clerk.refresh_from_db()
    assert clerk.last_login is None and clerk.check_password(RIGHT)  # nothing changed on the account


def test_another_address_is_not_locked(client, clerk):
    lock(client, "gusu-clerk", ip="10.1.1.1")
    other = Client()
    response = attempt(other, "gusu-clerk", RIGHT, ip="10.9.9.9")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert signed_in(other)


def test_another_username_at_the_same_address_is_not_locked(client, clerk):
    UserFactory(org="320508", is_staff=True, username="gusu-other")
    lock(client, "gusu-clerk")
    response = attempt(Client(), "gusu-other", RIGHT)
    assert response.status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client, clerk):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "gusu-clerk", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    response = attempt(Client(), "gusu-clerk", RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 429


def test_the_lock_ends_after_the_cool_off(client, clerk):
    lock(client, "gusu-clerk")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    response = attempt(client, "gusu-clerk", RIGHT)
    assert response.status_code == 302 and signed_in(client)


def test_a_superuser_sees_the_lock_in_chinese_and_lifts_it(client, clerk):
    lock(client, "gusu-clerk")
    boss = Client()
    boss.force_login(UserFactory(org="000000", is_staff=True, is_superuser=True))
    page = boss.get(LOCKOUTS)
    assert page.status_code == 200
    text = page.content.decode()
    assert "gusu-clerk" in text and "锁定中" in text and "解除所选账户在该地址的登录锁定" in text
    assert "登录失败与锁定" in boss.get("/admin/").content.decode()
    pks = list(AccessAttempt.objects.filter(username="gusu-clerk").values_list("pk", flat=True))
    response = boss.post(LOCKOUTS, {"action": "unlock_selected", ACTION_CHECKBOX_NAME: pks}, follow=True)
    assert "已解除 1 条登录锁定" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="gusu-clerk").exists()
    entry = AuditEntry.objects.get(action="accounts.unlock")
    assert "gusu-clerk" in entry.summary and "10.1.1.1" in entry.summary
    assert attempt(client, "gusu-clerk", RIGHT).status_code == 302 and signed_in(client)


def test_bureau_staff_neither_see_nor_lift_locks(client, clerk, admin_client_for):
    lock(client, "gusu-clerk")
    staff = admin_client_for("320500")
    assert staff.get(LOCKOUTS).status_code == 403
    assert "登录失败与锁定" not in staff.get("/admin/").content.decode()
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    assert staff.post(LOCKOUTS, {"action": "unlock_selected", ACTION_CHECKBOX_NAME: pks}).status_code == 403
    assert AccessAttempt.objects.filter(pk__in=pks).count() == len(pks)
    assert not AuditEntry.objects.filter(action="accounts.unlock").exists()


def test_a_locked_account_keeps_using_the_api_with_its_token(client):
    partner = UserFactory(org="320508", username="gusu-his")
    key = Token.objects.create(user=partner).key
    lock(client, "gusu-his", ip="127.0.0.1")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/regions/?level=province", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_the_unlock_service_refuses_anyone_but_a_superuser(clerk):
    from apps.accounts.services import unlock_logins
    from apps.core.errors import NotAllowed

    AccessAttempt.objects.create(username="gusu-clerk", ip_address="10.1.1.1", user_agent="x", http_accept="",
                                 path_info="/admin/login/", get_data="", post_data="", failures_since_start=5)
    with pytest.raises(NotAllowed, match="超级管理员"):
        unlock_logins(actor=UserFactory(org="000000", is_staff=True),
                      attempt_ids=AccessAttempt.objects.values_list("pk", flat=True))
    assert AccessAttempt.objects.count() == 1
