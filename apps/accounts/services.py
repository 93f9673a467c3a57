"""Creating accounts for staff and partner systems."""
from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.core.errors import DomainError
from apps.regions.models import Organisation

from .models import User


@transaction.atomic
def create_account(*, org_code: str, username: str, password: str | None = None, staff: bool = False,
                   superuser: bool = False, token: bool = False) -> tuple[User, str | None]:
    """Create an account for the organisation with ``org_code`` (a region or facility code)."""
    try:
        org = Organisation.objects.get(code=org_code)
    except Organisation.DoesNotExist:
        raise DomainError(f"机构代码 {org_code} 不存在（请先 load_regions，机构编码须已登记）。", field="org")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名 {username} 已存在。", field="username")
    user = User(username=username, organisation=org, is_staff=staff or superuser, is_superuser=superuser)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    key = Token.objects.create(user=user).key if token else None
    return user, key
