"""Supervision rules as data, and the suspicious-claim flags they raise."""
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

    def __str__(self):
        return f"{self.rule_id} · {self.settlement_id}"
