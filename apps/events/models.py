"""The operations engine's rows: the event outbox, in-app notifications and preferences, SMS templates and
their log, webhook subscriptions and deliveries (with every attempt), and long jobs with their progress."""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .catalogue import EVENT_CHOICES, SMS_EVENT_CHOICES


class Event(models.Model):
    """One thing that happened, written in the same transaction as the change (the transactional outbox).

    Delivery reads committed rows only: a rolled-back change leaves no row, and a committed one is
    dispatched at least once — right after the commit, or by the sweeper if the process died first."""

    name = models.CharField("事件", max_length=64, choices=EVENT_CHOICES)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象标识", max_length=64)
    organisations = models.JSONField("相关机构", default=list, blank=True,
                                     help_text="机构代码；其工作人员收到站内通知")
    regions = models.JSONField("相关地区", default=list, blank=True,
                               help_text="区划代码；订阅方只收到其管辖范围内对象的事件")
    data = models.JSONField("数据", default=dict, blank=True, encoder=DjangoJSONEncoder)
    summary = models.CharField("摘要", max_length=255, blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    sms_to = models.CharField("短信接收号码", max_length=11, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True, unique=True,
                                  help_text="提醒类事件：同一对象同一期限只记录一次")
    created_at = models.DateTimeField("发生时间", default=timezone.now)
    dispatched_at = models.DateTimeField("分发时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件（发件箱）"
        ordering = ["-id"]
        indexes = [
            # the sweeper: the few rows not yet dispatched
            models.Index(fields=["created_at"], name="event_undispatched", condition=Q(dispatched_at__isnull=True)),
            models.Index(fields=["object_type", "object_id"], name="event_object"),
        ]

    def __str__(self):
        return f"{self.name} {self.object_type}:{self.object_id}"


class Notification(models.Model):
    """An in-app notification of one event for one staff user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="notifications")
    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.PROTECT, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.CharField("内容", max_length=500, blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "我的通知"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["user", "-id"], name="notification_user_list"),
            # the unread count is a lookup in this small partial index
            models.Index(fields=["user"], name="notification_user_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self):
        return self.title

    @property
    def event_name(self) -> str:
        return self.event.name


class NotificationPreference(models.Model):
    """A user's choice for one event; no row means the default (notified)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="notification_preferences")
    event = models.CharField("事件", max_length=64, choices=EVENT_CHOICES)
    enabled = models.BooleanField("接收", default=True)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notification_preference_once")]


class SmsTemplate(models.Model):
    """The Chinese text sent to the insured person for one event (data, edited by national staff)."""

    event = models.CharField("事件", max_length=64, choices=SMS_EVENT_CHOICES, unique=True)
    text = models.CharField("短信内容", max_length=300,
                            help_text="可用占位符：{name} {reference} {destination} {insured_region} {valid_from} "
                                      "{valid_until} {status_reason} {documents_owed} {documents_due}")
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "短信模板"
        verbose_name_plural = "短信模板"
        ordering = ["event"]

    def __str__(self):
        return self.get_event_display()


class SmsStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    LIMITED = "limited", "超过当日上限，未发送"
    FAILED = "failed", "发送失败"


class SmsMessage(models.Model):
    """One SMS to one phone for one event: the log of what was (or was not) sent."""

    event = models.ForeignKey(Event, verbose_name="事件", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="sms_messages")
    to = models.CharField("手机号码", max_length=11)
    text = models.CharField("内容", max_length=500)
    status = models.CharField("状态", max_length=10, choices=SmsStatus.choices, default=SmsStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("错误", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    attempted_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信记录"
        verbose_name_plural = "短信记录"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "to"], name="sms_once_per_event")]
        indexes = [models.Index(fields=["created_at"], name="sms_unsent",
                                condition=Q(status__in=["pending", "sending"]))]

    def __str__(self):
        return f"{self.masked_to} {self.get_status_display()}"

    @property
    def masked_to(self) -> str:
        return mask_phone(self.to)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


class SmsDailyCount(models.Model):
    """Messages sent to one phone on one day, counted with a conditional UPDATE (the daily limit)."""

    phone = models.CharField("手机号码", max_length=11)
    day = models.DateField("日期")
    count = models.PositiveIntegerField("条数", default=0)

    class Meta:
        verbose_name = "短信日计数"
        verbose_name_plural = "短信日计数"
        constraints = [models.UniqueConstraint(fields=["phone", "day"], name="sms_count_once_per_day")]


class WebhookSubscription(models.Model):
    """An organisation's subscription: which events to POST to which URL, signed with its secret."""

    SCOPE_REGION_FIELDS = ("region",)

    organisation = models.ForeignKey("regions.Organisation", verbose_name="订阅机构", on_delete=models.PROTECT,
                                     related_name="webhook_subscriptions")
    region = models.ForeignKey("regions.Region", verbose_name="机构所在区划", on_delete=models.PROTECT,
                               related_name="+")
    url = models.CharField("推送地址", max_length=500)
    events = models.JSONField("订阅事件", default=list)
    secret = models.CharField("签名密钥", max_length=128)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送订阅"
        verbose_name_plural = "推送订阅（Webhook）"
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "active"], name="webhook_sub_org")]

    def __str__(self):
        return f"{self.organisation} → {self.url}"

    @classmethod
    def extra_scope_q(cls, org):
        return Q(organisation_id=org.pk)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败（已停止重试）"
    CANCELLED = "cancelled", "已取消"


class WebhookDelivery(models.Model):
    """One event to one subscription: retried with exponential backoff until it is answered 2xx or the retry
    window (24 hours) closes. ``id`` is the ``X-Yidi-Delivery`` header, on which receivers de-duplicate."""

    SCOPE_REGION_FIELDS = ("subscription__region",)

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.PROTECT, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, verbose_name="订阅", on_delete=models.PROTECT,
                                     related_name="deliveries")
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    window_started_at = models.DateTimeField("重试起算时间", default=timezone.now)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=255, blank=True)
    response_excerpt = models.CharField("响应摘录", max_length=500, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="delivery_once_per_event")]
        indexes = [
            models.Index(fields=["subscription", "-id"], name="delivery_subscription"),
            # the sweeper: pending deliveries that are due
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"#{self.pk} {self.event.name} → {self.subscription.url}"

    @classmethod
    def extra_scope_q(cls, org):
        return Q(subscription__organisation_id=org.pk)


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, the response code (or the error), and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, verbose_name="推送", on_delete=models.CASCADE,
                                 related_name="attempt_log")
    at = models.DateTimeField("时间", default=timezone.now)
    status_code = models.PositiveSmallIntegerField("响应码", null=True, blank=True)
    error = models.CharField("错误", max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    response_excerpt = models.CharField("响应摘录", max_length=500, blank=True)

    class Meta:
        verbose_name = "推送尝试"
        verbose_name_plural = "推送尝试"
        ordering = ["id"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A long piece of work a user started (an export, an import): its progress, its result file, or why it
    failed. Scoped like everything else, by the organisation that started it."""

    SCOPE_REGION_FIELDS = ("region",)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                             related_name="jobs")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="机构", on_delete=models.PROTECT,
                                     related_name="+")
    region = models.ForeignKey("regions.Region", verbose_name="机构所在区划", on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField("任务类型", max_length=64)
    label = models.CharField("任务", max_length=100)
    params = models.JSONField("参数", default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", null=True, blank=True)
    result = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField("结果文件名", max_length=120, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "我的任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="job_user")]

    def __str__(self):
        return f"{self.label} #{self.pk}"

    @classmethod
    def extra_scope_q(cls, org):
        return Q(organisation_id=org.pk)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, self.progress * 100 // self.total)
