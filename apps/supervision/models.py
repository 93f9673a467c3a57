"""Supervision rules as data, and the suspicious-claim flags they raise."""
from django.conf import settings
from django.db import models


class Severity(models.TextChoices):
    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"


class Rule(models.Model):
    code = models.CharField("规则编码", max_length=32, primary_key=True)
    name = models.CharField("规则名称", max_length=100)
    description = models.TextField("规则说明", blank=True)
    params = models.JSONField("参数与阈值", default=dict, blank=True)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "监管规则"
        verbose_name_plural = "监管规则"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class FlagStatus(models.TextChoices):
    NEW = "new", "待处理"
    REVIEWING = "reviewing", "协查中"
    CONFIRMED = "confirmed", "已确认违规"
    DISMISSED = "dismissed", "已排除"


class Flag(models.Model):
    SCOPE_REGION_FIELDS = ("insured_region", "treatment_region")
    SCOPE_FACILITY_FIELD = "facility"

    settlement = models.ForeignKey("settlement.Settlement", verbose_name="结算", on_delete=models.PROTECT,
                                   related_name="flags")
    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="flags")
    evidence_key = models.CharField("证据标识", max_length=128, blank=True,
                                    help_text="同一规则、同一结算、同一证据只标记一次")
    score = models.DecimalField("分值", max_digits=8, decimal_places=2, default=0)
    detail = models.JSONField("证据", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=FlagStatus.choices, default=FlagStatus.NEW)
    insured_region = models.ForeignKey("regions.Region", verbose_name="参保地", on_delete=models.PROTECT,
                                       related_name="+")
    treatment_region = models.ForeignKey("regions.Region", verbose_name="就医地", on_delete=models.PROTECT,
                                         related_name="+")
    facility = models.ForeignKey("facilities.Facility", verbose_name="定点医药机构", on_delete=models.PROTECT,
                                 related_name="+")
    ticket = models.ForeignKey("coordination.Ticket", verbose_name="协查工单", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="flags")
    amount_recovered = models.DecimalField("追回金额", max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField("结论说明", blank=True)
    created_at = models.DateTimeField("标记时间", auto_now_add=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "可疑结算"
        verbose_name_plural = "可疑结算"
        constraints = [
            models.UniqueConstraint(fields=["rule", "settlement", "evidence_key"], name="flag_unique_evidence")
        ]
        indexes = [
            # Every list filter of the admin and the API, newest first (cursor pagination orders by -id).
            models.Index(fields=["status", "id"], name="flag_status_id"),
            models.Index(fields=["insured_region", "id"], name="flag_insured_id"),
            models.Index(fields=["treatment_region", "id"], name="flag_treatment_id"),
            models.Index(fields=["facility", "id"], name="flag_facility_id"),
            models.Index(fields=["rule", "status"], name="flag_rule_status"),
        ]

    def __str__(self):
        return f"{self.rule_id} · {self.settlement_id}"


class FlagEvent(models.Model):
    """One step of a flag's review: who, which organisation, when, from which status to which, and why."""

    flag = models.ForeignKey(Flag, verbose_name="可疑结算", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="操作机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField("原状态", max_length=10, choices=FlagStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=FlagStatus.choices)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "可疑结算处理记录"
        verbose_name_plural = "可疑结算处理记录"
        ordering = ["at", "id"]


class ScanRun(models.Model):
    """One run of the rules: which settlements it looked at (created since ``since``) and what it raised."""

    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    since = models.DateTimeField("检查起点（结算接收时间）", null=True, blank=True, help_text="空表示全部结算")
    rules = models.CharField("规则", max_length=255, blank=True, help_text="空表示全部启用的规则")
    flags_created = models.PositiveIntegerField("新增标记", default=0)
    counts = models.JSONField("各规则新增", default=dict, blank=True)

    class Meta:
        verbose_name = "监管扫描记录"
        verbose_name_plural = "监管扫描记录"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} +{self.flags_created}"


class RestrictedItem(models.Model):
    """A catalogue item restricted by sex or age (限性别、限年龄项目); age and sex come from the ID number."""

    code = models.CharField("项目编码", max_length=64, primary_key=True)
    name = models.CharField("项目名称", max_length=128)
    sex = models.CharField("限定性别", max_length=1, blank=True, choices=[("M", "男"), ("F", "女")],
                           help_text="空表示不限")
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最高年龄", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "限性别/年龄项目"
        verbose_name_plural = "限性别/年龄项目"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"
