"""Staff and partner accounts; every account acts for exactly one organisation."""
from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    organisation = models.ForeignKey(
        "regions.Organisation",
        verbose_name="所属机构",
        on_delete=models.PROTECT,
        related_name="accounts",
        null=True,  # only so that Django's own createsuperuser keeps working; create_account always sets it
        blank=False,
    )

    class Meta:
        verbose_name = "账户"
        verbose_name_plural = "账户"

    def __str__(self):
        return self.username


class LoginLockout(AccessAttempt):
    """django-axes' failed-login record (per username, address and browser), shown in Chinese to superusers,
    who lift a lockout from the list (``services.unlock_logins``)."""

    class Meta:
        proxy = True
        verbose_name = "登录失败与锁定"
        verbose_name_plural = "登录失败与锁定"
