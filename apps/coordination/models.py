"""Coordination tickets (协同工单) moving through the five tiers, each step an event on the timeline."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.regions.models import Tier
from apps.regions.scope import covers_region


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


# Statuses in which the holder still owes an answer (the due time runs, the ticket can be overdue).
ACTIVE_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.REOPENED)


class TicketQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, now=None):
        return self.active().filter(due_at__lt=now or timezone.now())


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
    held_since = models.DateTimeField("转至当前承办机构时间", null=True, blank=True)
    escalated_for_due_at = models.DateTimeField(
        "已超时上报的时限", null=True, blank=True,
        help_text="自动上报所针对的办理时限；同一超时期间只自动上报一次。",
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = "协同工单"
        verbose_name_plural = "协同工单"
        ordering = ["-id"]
        indexes = [
            # "held by us" / "overdue" inboxes and the escalate_overdue scan
            models.Index(fields=["holder", "status", "due_at"], name="ticket_holder_status_due"),
            # "raised by us"
            models.Index(fields=["raised_by", "status"], name="ticket_raiser_status"),
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["category", "status"], name="ticket_category_status"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    # Up to this many "held outside the region" tickets are named in the query itself; beyond it, a subquery.
    HELD_OUTSIDE_INLINE_MAX = 1000

    @classmethod
    def extra_scope_q(cls, org):
        """Tickets ``org`` raised, holds, or has held outside its own region subtree (the region ranges that
        ``scoped`` adds cover the rest).

        Index-friendly at scale, with no subquery evaluated per ticket row: raised/holds are equality tests on
        indexed columns, and "has held" reads the partial index of outside-region holdings once — usually a
        handful (transfers in from elsewhere), named as ``id IN (…)`` so PostgreSQL can combine every part in
        one BitmapOr of index scans; past ``HELD_OUTSIDE_INLINE_MAX`` it is ``id IN (SELECT ticket_id …)``,
        a subquery that does not refer to the ticket row (one hashed SubPlan). Either way a semi-join on
        ``id``: a ticket held many times appears once."""
        held_outside = TicketHolding.objects.filter(organisation_id=org.pk, outside_region=True).values_list(
            "ticket_id", flat=True)
        ids = list(held_outside[: cls.HELD_OUTSIDE_INLINE_MAX + 1])
        held = Q(pk__in=ids) if len(ids) <= cls.HELD_OUTSIDE_INLINE_MAX else Q(pk__in=held_outside)
        return Q(raised_by_id=org.pk) | Q(holder_id=org.pk) | held

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.is_active and self.due_at is not None and self.due_at < (now or timezone.now())


# The time limit a category may be given, in working days.
TIME_LIMIT_MIN, TIME_LIMIT_MAX = 1, 60


class CategorySetting(models.Model):
    """Time limit and auto-escalation per category (DOMAIN.md convention: configurable)."""

    category = models.CharField("类别", max_length=20, choices=Category.choices, primary_key=True)
    time_limit_days = models.PositiveSmallIntegerField(
        "办理时限（工作日）", validators=[MinValueValidator(TIME_LIMIT_MIN), MaxValueValidator(TIME_LIMIT_MAX)],
        help_text="工单到达承办机构后，在第 N 个工作日结束前办结（按法定节假日和调休计算）。",
    )
    auto_escalate = models.BooleanField("超时自动上报", default=True,
                                        help_text="超过办理时限仍未办结的工单自动上报上一级经办机构。")

    class Meta:
        verbose_name = "工单类别设置"
        verbose_name_plural = "工单类别设置"
        ordering = ["category"]

    def __str__(self):
        return self.get_category_display()


# Defaults (DOMAIN.md): settlement failure 1, refund 3, registration 3, cost review 10, other 5 working days;
# policy questions and system faults are not named there, so they take "other"'s 5.
DEFAULT_TIME_LIMITS = {
    Category.SETTLEMENT_FAILURE: 1,
    Category.REFUND: 3,
    Category.REGISTRATION: 3,
    Category.COST_REVIEW: 10,
    Category.POLICY: 5,
    Category.SYSTEM_FAULT: 5,
    Category.OTHER: 5,
}


class TicketHolding(models.Model):
    """Each organisation that has held a ticket, so it keeps seeing it after the ticket moves on."""

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="holdings")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="承办机构", on_delete=models.PROTECT,
                                     related_name="+")
    since = models.DateTimeField("首次承办时间", default=timezone.now)
    outside_region = models.BooleanField(
        "辖区外工单", default=True,
        help_text="承办机构既非发起机构、其辖区也不含发起地区：工单转走后，本机构只凭这条记录继续可见。",
    )

    class Meta:
        verbose_name = "承办记录"
        verbose_name_plural = "承办记录"
        constraints = [models.UniqueConstraint(fields=["organisation", "ticket"], name="ticket_holding_unique")]
        indexes = [
            # the "has held" part of Ticket.extra_scope_q: only the holdings the region ranges do not cover
            models.Index(fields=["organisation", "ticket"], condition=Q(outside_region=True),
                         name="ticket_holding_outside"),
        ]

    @staticmethod
    def is_outside_region(ticket, organisation) -> bool:
        """Whether ``organisation`` would lose sight of ``ticket`` once it moves on without this record: it
        did not raise it and its region subtree does not hold the raiser's region (both never change)."""
        return organisation.pk != ticket.raised_by_id and not covers_region(organisation, ticket.raiser_region_id)


class EventKind(models.TextChoices):
    RAISED = "raised", "发起"
    COMMENT = "comment", "回复"
    ESCALATE = "escalate", "上报"
    TRANSFER = "transfer", "转办"
    RESOLVE = "resolve", "办结"
    REOPEN = "reopen", "重开"
    CLOSE = "close", "关闭"
    AUTO_ESCALATE = "auto_escalate", "超时自动上报"
    ATTACH = "attach", "上传附件"


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
    due_at = models.DateTimeField("新办理时限", null=True, blank=True)

    class Meta:
        verbose_name = "工单记录"
        verbose_name_plural = "工单记录"
        ordering = ["at", "id"]


ALLOWED_ATTACHMENT_TYPES = {
    # extension: (content type, leading bytes the file must start with)
    "pdf": ("application/pdf", (b"%PDF",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
}
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


def attachment_path(instance, filename):
    return f"tickets/{instance.ticket.number}/{filename}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    organisation = models.ForeignKey("regions.Organisation", verbose_name="上传机构", on_delete=models.PROTECT,
                                     related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单附件"
        verbose_name_plural = "工单附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
