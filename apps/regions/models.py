"""Regions (GB/T 2260), the organisations of the five tiers, and pooling areas."""
from django.db import models


class Level(models.TextChoices):
    NATIONAL = "national", "国家"
    PROVINCE = "province", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县区级"


class Tier(models.TextChoices):
    NATIONAL = "national", "国家"
    PROVINCE = "province", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县区级"
    FACILITY = "facility", "定点医药机构"


# How many leading digits of a code identify each level's subtree.
PREFIX_LENGTH = {Level.NATIONAL: 0, Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6}


def code_range(prefix: str) -> tuple[str, str]:
    """The inclusive range of 6-digit codes that start with ``prefix`` (a btree-friendly subtree test)."""
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


def subtree_q(field: str, prefix: str) -> models.Q:
    """Rows whose ``field`` (a Region FK, i.e. a code column) starts with ``prefix``, as an indexed range."""
    lo, hi = code_range(prefix)
    return models.Q(**{f"{field}__gte": lo, f"{field}__lte": hi})


def region_subtree_q(field: str, code: str) -> models.Q:
    """Rows whose ``field`` lies in region ``code`` or under it; no rows when the code is unknown."""
    region = Region.objects.filter(code=code).first()
    return models.Q(pk__in=[]) if region is None else subtree_q(field, region.prefix)


class RegionQuerySet(models.QuerySet):
    def within(self, region: "Region"):
        """The region and everything under it."""
        return self.filter(code__range=code_range(region.prefix))

    def county_level(self):
        """Counties, plus prefecture units that have no counties (东莞, 中山, 嘉峪关, 儋州)."""
        return self.filter(models.Q(level=Level.COUNTY) | models.Q(level=Level.CITY, has_children=False))


class Region(models.Model):
    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    pooling_area = models.ForeignKey(
        "self",
        verbose_name="统筹区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="本地区所属的医保统筹区（通常为地市；省级统筹的省份为省）。",
    )
    is_pooling_area = models.BooleanField("是统筹区", default=False)
    has_children = models.BooleanField("有下级", default=False)
    instant_approval = models.BooleanField(
        "即申即享", default=False, help_text="统筹区对材料齐全的承诺制备案即时批准。"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code")]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def province_code(self) -> str:
        return "" if self.level == Level.NATIONAL else self.code[:2] + "0000"

    def contains(self, code: str) -> bool:
        lo, hi = code_range(self.prefix)
        return lo <= code <= hi


class Organisation(models.Model):
    """A bureau at national/province/city/county tier, or a designated facility (fifth tier)."""

    code = models.CharField("机构代码", max_length=12, unique=True, help_text="经办机构为区划代码；定点医药机构为机构编码")
    name = models.CharField("名称", max_length=128)
    tier = models.CharField("层级", max_length=10, choices=Tier.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="organisations")
    parent = models.ForeignKey(
        "self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "机构"
        verbose_name_plural = "机构"
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def is_facility(self) -> bool:
        return self.tier == Tier.FACILITY

    @property
    def is_national(self) -> bool:
        return self.tier == Tier.NATIONAL

    @property
    def region_prefix(self) -> str | None:
        """Prefix of the region codes this organisation oversees; None for a facility."""
        if self.is_facility:
            return None
        return self.region.prefix
