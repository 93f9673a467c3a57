"""Settlements (结算) with their items, the insured side's payment policy, monthly clearing and prepayment.

Nothing here is ever deleted: a reversed settlement stays, marked reversed, and clearing rows move
forward through their statuses only."""
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class VisitType(models.TextChoices):
    INPATIENT = "inpatient", "住院"
    OUTPATIENT = "outpatient", "普通门诊"
    CHRONIC = "chronic", "门诊慢特病"
    PHARMACY = "pharmacy", "药店购药"


MONEY = dict(max_digits=14, decimal_places=2)
POINTS = dict(max_digits=5, decimal_places=2)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class Settlement(models.Model):
    SCOPE_REGION_FIELDS = ("insured_region", "treatment_region")
    SCOPE_FACILITY_FIELD = "facility"

    number = models.CharField("结算编号", max_length=64,
                              help_text="上报机构内唯一（不同定点医药机构可以使用相同编号）；字符集见 ingest 模块说明。")
    id_number = models.CharField("身份证号码", max_length=18)
    name = models.CharField("姓名", max_length=64)
    # the composite indexes below lead with these columns, so the FKs need no index of their own
    insured_region = models.ForeignKey("regions.Region", verbose_name="参保地", on_delete=models.PROTECT,
                                       related_name="+", db_index=False)
    insured_province = models.CharField("参保省", max_length=6)
    facility = models.ForeignKey("facilities.Facility", verbose_name="定点医药机构", on_delete=models.PROTECT,
                                 related_name="settlements", db_index=False)
    treatment_region = models.ForeignKey("regions.Region", verbose_name="就医地", on_delete=models.PROTECT,
                                         related_name="+", help_text="机构所在县区", db_index=False)
    treatment_province = models.CharField("就医省", max_length=6)
    visit_type = models.CharField("就诊类型", max_length=10, choices=VisitType.choices)
    disease_code = models.CharField("门诊慢特病编码", max_length=6, blank=True)
    service_start = models.DateField("入院/就诊日期")
    service_end = models.DateField("出院/就诊日期")
    total_amount = models.DecimalField("医疗总费用", **MONEY)
    eligible_amount = models.DecimalField("政策范围内费用", **MONEY)
    fund_paid = models.DecimalField("统筹基金支付", **MONEY)
    account_paid = models.DecimalField("个人账户支付", **MONEY)
    cash_paid = models.DecimalField("个人现金支付", **MONEY)
    settled_at = models.DateTimeField("结算时间")
    registration = models.ForeignKey("registration.Registration", verbose_name="匹配备案", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="settlements")
    expected_fund_paid = models.DecimalField("应付统筹基金（按参保地政策）", null=True, blank=True, **MONEY)
    deductible_applied = models.DecimalField("本次计入起付标准", null=True, blank=True, **MONEY)
    policy = models.ForeignKey("settlement.Policy", verbose_name="适用政策", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", db_index=False)
    content_hash = models.CharField("内容摘要", max_length=64, help_text="幂等判断：同一编号的内容是否一致")
    reported_by = models.ForeignKey("regions.Organisation", verbose_name="上报机构", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    clearing_period = models.DateField(
        "计入清算月份", null=True, blank=True,
        help_text="该结算计入的清算月（月初日期）：结算当月；当月已申报则为其后第一个未申报月份（调整）。",
    )
    reversed_at = models.DateTimeField("冲正时间", null=True, blank=True)
    reversal_reason = models.CharField("冲正原因", max_length=255, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="冲正操作人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    reversal_period = models.DateField(
        "冲正计入清算月份", null=True, blank=True,
        help_text="冲正在该清算月按负数计入；与计入月份相同表示在申报前退出清算。",
    )

    class Meta:
        verbose_name = "结算记录"
        verbose_name_plural = "结算记录"
        constraints = [
            # A number is the reporting facility's own: unique per facility, not nationally. The number leads the
            # index so that a bureau's lookup by number alone (admin search, API detail) walks it too.
            models.UniqueConstraint(fields=["number", "facility"], name="settlement_unique_facility_number"),
        ]
        indexes = [
            models.Index(fields=["insured_region", "settled_at"], name="settlement_insured_at"),
            models.Index(fields=["treatment_region", "settled_at"], name="settlement_treatment_at"),
            models.Index(fields=["facility", "settled_at"], name="settlement_facility_at"),
            models.Index(fields=["id_number", "service_start"], name="settlement_person_start"),
            models.Index(fields=["settled_at"], name="settlement_settled_at"),
            models.Index(fields=["clearing_period", "insured_province", "treatment_province"],
                         name="settlement_clearing_pair"),
            models.Index(fields=["reversal_period", "insured_province", "treatment_province"],
                         name="settlement_reversal_pair",
                         condition=models.Q(reversal_period__isnull=False)),
        ]

    def __str__(self):
        return self.number

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class ItemCategory(models.TextChoices):
    DRUG = "drug", "药品"
    SERVICE = "service", "诊疗项目"
    MATERIAL = "material", "医用耗材"


class SettlementItem(models.Model):
    settlement = models.ForeignKey(Settlement, verbose_name="结算", on_delete=models.PROTECT, related_name="items")
    code = models.CharField("项目编码", max_length=64)
    name = models.CharField("项目名称", max_length=128)
    category = models.CharField("类别", max_length=10, choices=ItemCategory.choices)
    quantity = models.DecimalField("数量", max_digits=12, decimal_places=3)
    unit_price = models.DecimalField("单价", max_digits=14, decimal_places=4)
    amount = models.DecimalField("金额", **MONEY)
    days_supply = models.PositiveIntegerField("用药天数", null=True, blank=True)

    class Meta:
        verbose_name = "结算明细"
        verbose_name_plural = "结算明细"


class UnregisteredRule(models.TextChoices):
    REDUCE = "reduce", "在相应等级比例基础上降低"
    FIXED = "fixed", "按固定比例支付"


class Policy(models.Model):
    """The insured pooling area's payment policy (参保地政策) for one insurance type and visit type.

    ``pooling_area`` empty: the reference policy used where a pooling area has set none of its own."""

    SCOPE_REGION_FIELDS = ("pooling_area",)

    pooling_area = models.ForeignKey("regions.Region", verbose_name="统筹区", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     help_text="留空为全国参考政策（统筹区未设置时使用）。")
    insurance_type = models.CharField("险种", max_length=10,
                                      choices=[("employee", "职工医保"), ("resident", "城乡居民医保")])
    visit_type = models.CharField("就诊类型", max_length=10, choices=VisitType.choices)
    effective_from = models.DateField("生效日期")
    deductible = models.DecimalField("起付标准（年度）", **MONEY)
    ratio_level3 = models.DecimalField("三级机构支付比例（%）", **POINTS)
    ratio_level2 = models.DecimalField("二级机构支付比例（%）", **POINTS)
    ratio_level1 = models.DecimalField("一级机构支付比例（%）", **POINTS)
    ratio_unrated = models.DecimalField("未定级机构支付比例（%）", **POINTS)
    annual_cap = models.DecimalField("年度最高支付限额", **MONEY)
    referral_emergency_reduction = models.DecimalField(
        "转诊、急诊抢救人员降低比例（百分点）", default=0, help_text="政策规定不超过10个百分点。", **POINTS)
    temporary_other_reduction = models.DecimalField(
        "其他临时外出就医人员降低比例（百分点）", default=0, help_text="政策规定不超过20个百分点。", **POINTS)
    unregistered_rule = models.CharField("未备案就医支付方式", max_length=10, choices=UnregisteredRule.choices,
                                         default=UnregisteredRule.REDUCE)
    unregistered_value = models.DecimalField(
        "未备案就医参数（%）", default=0, **POINTS,
        help_text="“降低”时为降低的百分点；“固定比例”时为支付比例。")
    note = models.CharField("说明", max_length=255, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参保地支付政策"
        verbose_name_plural = "参保地支付政策"
        ordering = ["pooling_area", "insurance_type", "visit_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["pooling_area", "insurance_type", "visit_type", "effective_from"],
                                    name="policy_unique_effective"),
            models.UniqueConstraint(fields=["insurance_type", "visit_type", "effective_from"],
                                    condition=models.Q(pooling_area__isnull=True), name="policy_unique_reference"),
        ]

    @classmethod
    def extra_scope_q(cls, org):
        # every bureau may read the national reference policy
        return models.Q(pooling_area__isnull=True)

    def __str__(self):
        where = self.pooling_area.name if self.pooling_area_id else "全国参考"
        return f"{where} {self.get_insurance_type_display()} {self.get_visit_type_display()}（{self.effective_from}起）"

    def ratio_for_level(self, level: str):
        return {"3": self.ratio_level3, "2": self.ratio_level2, "1": self.ratio_level1}.get(level, self.ratio_unrated)

    def clean(self):
        errors = {}
        for f in ("ratio_level3", "ratio_level2", "ratio_level1", "ratio_unrated", "unregistered_value"):
            v = getattr(self, f)
            if v is not None and not (0 <= v <= 100):
                errors[f] = "比例应在0至100之间。"
        for f in ("deductible", "annual_cap"):
            v = getattr(self, f)
            if v is not None and v < 0:
                errors[f] = "金额不能为负数。"
        if self.referral_emergency_reduction is not None and not (0 <= self.referral_emergency_reduction <= 10):
            errors["referral_emergency_reduction"] = "转诊、急诊抢救人员降低比例不得超过10个百分点。"
        if self.temporary_other_reduction is not None and not (0 <= self.temporary_other_reduction <= 20):
            errors["temporary_other_reduction"] = "其他临时外出就医人员降低比例不得超过20个百分点。"
        levels = [self.ratio_level3, self.ratio_level2, self.ratio_level1]
        if None not in levels and not errors:
            if not (levels[0] <= levels[1] <= levels[2]):
                errors["ratio_level2"] = "等级越高的机构支付比例不应越高：应为三级 ≤ 二级 ≤ 一级。"
            elif any(b - a > 10 for a, b in zip(levels, levels[1:])):
                errors["ratio_level2"] = "相邻等级机构的支付比例相差不应超过10个百分点。"
        if errors:
            raise ValidationError(errors)


class ClearingStatus(models.TextChoices):
    DRAFT = "draft", "待申报"
    DECLARED = "declared", "已申报"
    CONFIRMED = "confirmed", "已确认"
    PAID = "paid", "已拨付"


class Clearing(models.Model):
    """One month's clearing between an insured province (pays) and a treatment province (advanced the money).

    Figures are net: settlements counted in this month minus reversals counted in this month; the part that
    belongs to earlier, already declared months is shown separately as the adjustment (调整)."""

    SCOPE_REGION_FIELDS = ("insured_province", "treatment_province")

    period = models.DateField("清算月份", help_text="月初日期")
    insured_province = models.ForeignKey("regions.Region", verbose_name="参保省（付款方）", on_delete=models.PROTECT,
                                         related_name="+")
    treatment_province = models.ForeignKey("regions.Region", verbose_name="就医省（垫付方）",
                                           on_delete=models.PROTECT, related_name="+")
    settlement_count = models.IntegerField("结算笔数", default=0)
    reversal_count = models.IntegerField("冲正笔数", default=0)
    total_amount = models.DecimalField("医疗总费用", default=0, **MONEY)
    eligible_amount = models.DecimalField("政策范围内费用", default=0, **MONEY)
    fund_paid = models.DecimalField("统筹基金支付", default=0, **MONEY)
    account_paid = models.DecimalField("个人账户支付", default=0, **MONEY)
    cash_paid = models.DecimalField("个人现金支付", default=0, **MONEY)
    adjustment_count = models.IntegerField("调整笔数", default=0, help_text="以前月份补报或冲正计入本月的笔数")
    adjustment_total_amount = models.DecimalField("调整医疗总费用", default=0, **MONEY)
    adjustment_fund_paid = models.DecimalField("调整统筹基金", default=0, **MONEY)
    status = models.CharField("状态", max_length=10, choices=ClearingStatus.choices, default=ClearingStatus.DRAFT)
    declare_due = models.DateField("申报截止日")
    built_at = models.DateTimeField("生成时间", null=True, blank=True)
    declared_at = models.DateTimeField("申报时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    paid_at = models.DateTimeField("拨付时间", null=True, blank=True)

    class Meta:
        verbose_name = "月度清算"
        verbose_name_plural = "月度清算"
        ordering = ["-period", "insured_province", "treatment_province"]
        constraints = [
            models.UniqueConstraint(fields=["period", "insured_province", "treatment_province"],
                                    name="clearing_unique_pair"),
        ]
        indexes = [
            models.Index(fields=["insured_province", "period"], name="clearing_insured_period"),
            models.Index(fields=["treatment_province", "period"], name="clearing_treatment_period"),
        ]

    def __str__(self):
        return f"{self.period:%Y-%m} {self.insured_province_id}→{self.treatment_province_id}"

    @staticmethod
    def due_for(period: dt.date) -> dt.date:
        return next_month(period).replace(day=getattr(settings, "YIDI_CLEARING_DECLARE_DAY", 20))

    @property
    def overdue(self) -> bool:
        return self.status == ClearingStatus.DRAFT and timezone.localdate() > self.declare_due


class ClearingEvent(models.Model):
    """One transition of a clearing row: who, for which bureau, when, from which status to which."""

    clearing = models.ForeignKey(Clearing, verbose_name="清算", on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("regions.Organisation", verbose_name="机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField("原状态", max_length=10, choices=ClearingStatus.choices)
    to_status = models.CharField("新状态", max_length=10, choices=ClearingStatus.choices)
    fund_paid = models.DecimalField("当时统筹基金金额", **MONEY)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = "清算记录"
        verbose_name_plural = "清算记录"
        ordering = ["at", "id"]


class Prepayment(models.Model):
    """The annual prepayment (预付金) the insured province pays the treatment province, set from last year."""

    SCOPE_REGION_FIELDS = ("insured_province", "treatment_province")

    year = models.PositiveSmallIntegerField("年度")
    insured_province = models.ForeignKey("regions.Region", verbose_name="参保省（付款方）", on_delete=models.PROTECT,
                                         related_name="+")
    treatment_province = models.ForeignKey("regions.Region", verbose_name="就医省（收款方）",
                                           on_delete=models.PROTECT, related_name="+")
    base_fund_paid = models.DecimalField("上年度统筹基金支出", **MONEY)
    base_months = models.PositiveSmallIntegerField("核定月数", help_text="预付金 = 上年度月均支出 × 核定月数")
    amount = models.DecimalField("预付金额", **MONEY)
    computed_at = models.DateTimeField("核定时间", auto_now=True)

    class Meta:
        verbose_name = "年度预付金"
        verbose_name_plural = "年度预付金"
        ordering = ["-year", "insured_province", "treatment_province"]
        constraints = [
            models.UniqueConstraint(fields=["year", "insured_province", "treatment_province"],
                                    name="prepayment_unique_pair"),
        ]

    def __str__(self):
        return f"{self.year} {self.insured_province_id}→{self.treatment_province_id}"
