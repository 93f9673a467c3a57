"""Designated facilities (定点医药机构), their cross-province services and the chronic-disease catalogue."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class ChronicDisease(models.Model):
    """An entry of the national 门诊慢特病 standard: ``M`` + 3-digit family + 2-digit subtype (``00`` = family)."""

    code = models.CharField("病种编码", max_length=6, primary_key=True)
    name = models.CharField("病种名称", max_length=64)
    is_national_five = models.BooleanField("国家五种门诊慢特病", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "门诊慢特病病种"
        verbose_name_plural = "门诊慢特病病种"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def family(self) -> str:
        return self.code[:4]

    @property
    def is_family(self) -> bool:
        return self.code.endswith("00")


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", "医疗机构"
    PHARMACY = "pharmacy", "零售药店"


class FacilityLevel(models.TextChoices):
    LEVEL3 = "3", "三级"
    LEVEL2 = "2", "二级"
    LEVEL1 = "1", "一级"
    UNRATED = "0", "未定级"


class FacilityStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "暂停"


class Facility(models.Model):
    SCOPE_REGION_FIELDS = ("region",)
    SCOPE_FACILITY_FIELD = "self"

    code = models.CharField("机构编码", max_length=12, primary_key=True)
    name = models.CharField("机构名称", max_length=128)
    kind = models.CharField("类别", max_length=10, choices=FacilityKind.choices)
    level = models.CharField("等级", max_length=1, choices=FacilityLevel.choices, default=FacilityLevel.UNRATED)
    region = models.ForeignKey("regions.Region", verbose_name="所在县区", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=255, blank=True)
    status = models.CharField("状态", max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.ACTIVE)
    inpatient = models.BooleanField("开通跨省住院直接结算", default=False)
    outpatient = models.BooleanField("开通跨省普通门诊直接结算", default=False)
    organisation = models.OneToOneField(
        "regions.Organisation", verbose_name="机构账户主体", null=True, blank=True, on_delete=models.PROTECT,
        related_name="facility",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "定点医药机构"
        verbose_name_plural = "定点医药机构"
        ordering = ["code"]
        indexes = [
            # coverage: "does this county have an active hospital with cross-province outpatient?"
            models.Index(
                fields=["region"], name="facility_covering_region",
                condition=models.Q(status="active", kind="hospital", outpatient=True),
            ),
            models.Index(fields=["kind", "level", "status"], name="facility_kind_level_status"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class DiseaseServiceStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REVOKED = "revoked", "已撤销"


class FacilityDisease(models.Model):
    """A facility's outpatient chronic-disease service; counts only once the bureau confirmed it."""

    SCOPE_REGION_FIELDS = ("facility__region",)
    SCOPE_FACILITY_FIELD = "facility"

    facility = models.ForeignKey(Facility, verbose_name="机构", on_delete=models.PROTECT, related_name="diseases")
    disease = models.ForeignKey(ChronicDisease, verbose_name="病种", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=DiseaseServiceStatus.choices, default=DiseaseServiceStatus.PENDING
    )
    confirmed_by = models.ForeignKey(
        "regions.Organisation", verbose_name="确认机构", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "门诊慢特病开通"
        verbose_name_plural = "门诊慢特病开通"
        constraints = [models.UniqueConstraint(fields=["facility", "disease"], name="facility_disease_unique")]
        indexes = [models.Index(fields=["disease", "status"], name="facility_disease_status")]

    def __str__(self):
        return f"{self.facility_id} {self.disease_id} {self.get_status_display()}"


class DiseaseServiceEvent(models.Model):
    """One step in a disease service's life (requested, confirmed, revoked); append-only."""

    service = models.ForeignKey(FacilityDisease, verbose_name="门诊慢特病开通", on_delete=models.PROTECT,
                                related_name="events")
    from_status = models.CharField("原状态", max_length=10, choices=DiseaseServiceStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=DiseaseServiceStatus.choices)
    organisation = models.ForeignKey(
        "regions.Organisation", verbose_name="操作机构", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("说明", max_length=255, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "门诊慢特病开通记录"
        verbose_name_plural = "门诊慢特病开通记录"
        ordering = ["service", "at", "id"]

    def __str__(self):
        return f"{self.service_id} {self.from_status or '—'}→{self.to_status}"
