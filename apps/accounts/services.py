"""Creating accounts for staff and partner systems, the auditors' group, and lifting a login lockout."""
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.core import audit
from apps.core.errors import DomainError, NotAllowed, ValidationFailed
from apps.regions.models import Organisation

from .models import User

AUDITOR_GROUP = "审计员"


def auditor_group() -> Group:
    """The group whose members (bureau staff) read the audit trail of their subtree (``core.view_auditentry``)."""
    group, _ = Group.objects.get_or_create(name=AUDITOR_GROUP)
    permission = Permission.objects.get(content_type__app_label="core", codename="view_auditentry")
    group.permissions.add(permission)
    return group


def password_error(password: str, user: User | None = None) -> str | None:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS) in Chinese, joined; None when it passes."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


@transaction.atomic
def create_account(*, org_code: str, username: str, password: str | None = None, staff: bool = False,
                   superuser: bool = False, token: bool = False, auditor: bool = False,
                   actor=None) -> tuple[User, str | None]:
    """Create an account for the organisation with ``org_code`` (a region or facility code).

    A password must pass the validators (length, not common, not all digits, not like the username)."""
    try:
        org = Organisation.objects.get(code=org_code)
    except Organisation.DoesNotExist:
        raise DomainError(f"机构代码 {org_code} 不存在（请先 load_regions，机构编码须已登记）。", field="org")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名 {username} 已存在。", field="username")
    if auditor and org.is_facility:
        raise ValidationFailed("审计员须为医疗保障局的账户，定点医药机构的账户不能查看审计记录。", field="auditor")
    user = User(username=username, organisation=org, is_staff=staff or superuser or auditor, is_superuser=superuser)
    if password:
        error = password_error(password, user)
        if error:
            raise ValidationFailed(f"密码不符合要求：{error}", field="password")
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if auditor:
        user.groups.add(auditor_group())
    key = Token.objects.create(user=user).key if token else None
    audit.record(actor=actor, organisation=org if actor is None else None, action="accounts.create", obj=user,
                 summary=f"创建账户 {username}（{org.name}）", staff=user.is_staff, superuser=superuser,
                 token=token, auditor=auditor)
    return user, key


@transaction.atomic
def unlock_logins(*, actor, attempt_ids) -> int:
    """Lift the lockout of the given failed-login records (django-axes' AccessAttempt): a superuser only.
    The account may sign in again at once from that address; each lifted lockout is audited."""
    if actor is None or not (actor.is_active and actor.is_superuser):
        raise NotAllowed("只有超级管理员可以解除登录锁定。")
    attempts = list(AccessAttempt.objects.select_for_update().filter(pk__in=list(attempt_ids)).order_by("pk"))
    for attempt in attempts:
        audit.record(actor=actor, action="accounts.unlock", object_type="axes.accessattempt",
                     object_id=str(attempt.pk),
                     summary=f"解除登录锁定：{attempt.username}（{attempt.ip_address}，失败 {attempt.failures_since_start} 次）",
                     username=attempt.username, ip_address=attempt.ip_address,
                     failures=attempt.failures_since_start)
    AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).delete()
    return len(attempts)
