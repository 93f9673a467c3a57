"""Coordination tickets (协同工单) moving through the five tiers, each step an event on the timeline."""
from django.conf import settings
from django.db import models

from apps.regions.models import Tier


class Category(models.TextChoices):
    SETTLEMENT_FAILURE = "settlement_failure", "结算失败"
    REGISTRATION = "registration", "备案问题"
    REFUND = "refund", "退费"
    COST_REVIEW = "cost_review", "费用协查"
    POLICY = "policy", "政策咨询"
    SYSTEM_FAULT = "system_fault", "系统故障"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    OPEN = "open", "待处理"
    IN_PROGRESS = "in_progress", "处理中"
    RESOLVED = "resolved", "已解决"
    CLOSED = "closed", "已关闭"
    REOPENED = "reopened", "已重开"


class Ticket(models.Model):
    SCOPE_REGION_FIELDS = ("raiser_region", "holder_region")

    number = models.CharField("工单编号", max_length=20, unique=True)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("问题描述")
    raised_by = models.ForeignKey("regions.Organisation", verbose_name="发起机构", on_delete=models.PROTECT,
                                  related_name="tickets_raised")
    raiser_region = models.ForeignKey("regions.Region", verbose_name="发起地区", on_delete=models.PROTECT,
                                      related_name="+")
    holder = models.ForeignKey("regions.Organisation", verbose_name="当前承办机构", on_delete=models.PROTECT,
                               related_name="tickets_held")
    holder_region = models.ForeignKey("regions.Region", verbose_name="承办地区", on_delete=models.PROTECT,
                                      related_name="+")
    holder_tier = models.CharField("承办层级", max_length=10, choices=Tier.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    registration = models.ForeignKey("registration.Registration", verbose_name="关联备案", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="tickets")
    settlement = models.ForeignKey("settlement.Settlement", verbose_name="关联结算", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="tickets")
    due_at = models.DateTimeField("办理时限")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "协同工单"
        verbose_name_plural = "协同工单"

    def __str__(self):
        return f"{self.number} {self.title}"


class EventKind(models.TextChoices):
    RAISED = "raised", "发起"
    COMMENT = "comment", "回复"
    ESCALATE = "escalate", "上报"
    TRANSFER = "transfer", "转办"
    RESOLVE = "resolve", "办结"
    REOPEN = "reopen", "重开"
    CLOSE = "close", "关闭"
    AUTO_ESCALATE = "auto_escalate", "超时自动上报"


class TicketEvent(models.Model):
    """Append-only timeline entry: who, which organisation, when, what was said, from which holder to which."""

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("动作", max_length=16, choices=EventKind.choices)
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="操作机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    note = models.TextField("说明", blank=True)
    from_holder = models.ForeignKey("regions.Organisation", verbose_name="原承办机构", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    to_holder = models.ForeignKey("regions.Organisation", verbose_name="新承办机构", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField("原状态", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=12, choices=Status.choices, blank=True)

    class Meta:
        verbose_name = "工单记录"
        verbose_name_plural = "工单记录"
        ordering = ["at", "id"]
