"""Settlements (结算) as reported by the treatment side, with their items. Nothing is ever deleted."""
from django.db import models


class VisitType(models.TextChoices):
    INPATIENT = "inpatient", "住院"
    OUTPATIENT = "outpatient", "普通门诊"
    CHRONIC = "chronic", "门诊慢特病"
    PHARMACY = "pharmacy", "药店购药"


MONEY = dict(max_digits=14, decimal_places=2)


class Settlement(models.Model):
    SCOPE_REGION_FIELDS = ("insured_region", "treatment_region")
    SCOPE_FACILITY_FIELD = "facility"

    number = models.CharField("结算编号", max_length=64, unique=True)
    id_number = models.CharField("身份证号码", max_length=18)
    name = models.CharField("姓名", max_length=64)
    insured_region = models.ForeignKey("regions.Region", verbose_name="参保地", on_delete=models.PROTECT,
                                       related_name="+")
    insured_province = models.CharField("参保省", max_length=6)
    facility = models.ForeignKey("facilities.Facility", verbose_name="定点医药机构", on_delete=models.PROTECT,
                                 related_name="settlements")
    treatment_region = models.ForeignKey("regions.Region", verbose_name="就医地", on_delete=models.PROTECT,
                                         related_name="+", help_text="机构所在县区")
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
    content_hash = models.CharField("内容摘要", max_length=64, help_text="幂等判断：同一编号的内容是否一致")
    reported_by = models.ForeignKey("regions.Organisation", verbose_name="上报机构", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    reversed_at = models.DateTimeField("冲正时间", null=True, blank=True)
    reversal_reason = models.CharField("冲正原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "结算记录"
        verbose_name_plural = "结算记录"

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
