"""Reads about facilities other areas and the admin/API share: disease services offered, and coverage."""
import re
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from apps.regions.models import Level, Region, code_range, subtree_q

from .models import ChronicDisease, DiseaseServiceStatus, Facility, FacilityDisease, FacilityKind, FacilityStatus

COVERAGE_TARGETS = (60, 100)  # per cent of county-level units (policy: 60% by end-2021, 100% by end-2022)


def family_code(code: str) -> str:
    """The family a disease code belongs to (``M07803`` → ``M07800``); a family is its own family."""
    return code[:4] + "00"


def disease_offered(disease, facility=OuterRef("pk")) -> Exists:
    """Exists: the facility has a *confirmed* service for ``disease`` or for its family.

    ``disease`` is a code or an expression (e.g. ``OuterRef("disease_code")`` on settlements);
    ``facility`` an expression giving the facility code (default: the outer query's pk)."""
    if isinstance(disease, str):
        match = Q(disease_id__in={disease, family_code(disease)})
    else:
        family = Concat(Substr(disease, 1, 4), Value("00"), output_field=CharField())
        match = Q(disease_id=disease) | Q(disease_id=family)
    return Exists(FacilityDisease.objects.filter(match, facility_id=facility, status=DiseaseServiceStatus.CONFIRMED))


def confirmed_disease_q(code: str) -> Q:
    """Q on Facility: offers ``code`` (a confirmed service for the code or its family)."""
    return Q(disease_offered(code))


def facility_offers_disease(facility: Facility | str, code: str) -> bool:
    """Whether the facility may settle outpatient chronic disease ``code`` cross-province now."""
    facility_code = facility if isinstance(facility, str) else facility.pk
    return FacilityDisease.objects.filter(
        facility_id=facility_code, status=DiseaseServiceStatus.CONFIRMED,
        disease_id__in={code, family_code(code)},
    ).exists()


def confirmed_diseases_prefetch() -> Prefetch:
    """Prefetch of confirmed services into ``facility.confirmed_services`` (ordered by code)."""
    return Prefetch(
        "diseases",
        queryset=FacilityDisease.objects.filter(status=DiseaseServiceStatus.CONFIRMED).order_by("disease_id"),
        to_attr="confirmed_services",
    )


def facilities_within(region_code: str, queryset: QuerySet | None = None) -> QuerySet:
    """Facilities located in the region or anywhere under it (an indexed range on the county code)."""
    qs = Facility.objects.all() if queryset is None else queryset
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return qs.none()
    return facilities_under(region, qs)


def facilities_under(region: Region, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to the facilities located in ``region`` or under it."""
    return queryset.filter(subtree_q("region", region.prefix))


def code_or_name_q(term: str, prefix: str = "") -> Q:
    """Q: the full facility code (any case; the primary key) or part of the name. ``name__icontains`` is
    ``UPPER(name) LIKE UPPER('%…%')``, which the trigram index ``facility_name_trgm`` serves on PostgreSQL
    for terms of three or more characters. ``prefix`` reaches the facility through a relation (``facility__``)."""
    term = term.strip()
    return Q(**{f"{prefix}code": term.upper()}) | Q(**{f"{prefix}name__icontains": term})


def with_service(queryset: QuerySet, service: str) -> QuerySet:
    """Facilities that offer ``service``: inpatient, outpatient, or chronic (any confirmed disease)."""
    if service == "inpatient":
        return queryset.filter(inpatient=True)
    if service == "outpatient":
        return queryset.filter(outpatient=True)
    if service == "chronic":
        return queryset.filter(Exists(FacilityDisease.objects.filter(
            facility_id=OuterRef("pk"), status=DiseaseServiceStatus.CONFIRMED)))
    return queryset.none()


# --- coverage -------------------------------------------------------------------------------------------

def _covering_facility() -> Exists:
    """Exists: an active hospital with cross-province general outpatient in the (outer) county."""
    return Exists(Facility.objects.filter(
        region_id=OuterRef("code"), status=FacilityStatus.ACTIVE, kind=FacilityKind.HOSPITAL, outpatient=True,
    ))


def share(covered: int, total: int) -> float:
    return round(100.0 * covered / total, 1) if total else 0.0


@dataclass
class CoverageRow:
    code: str
    name: str
    counties: int
    covered: int
    uncovered: list = field(default_factory=list)  # [{"code", "name"}]

    @property
    def share(self) -> float:
        return share(self.covered, self.counties)

    @property
    def meets_60(self) -> bool:
        return self.share >= COVERAGE_TARGETS[0]

    @property
    def meets_100(self) -> bool:
        return self.counties > 0 and self.covered == self.counties


@dataclass
class PoolingDiseases:
    code: str
    name: str
    diseases: list  # [{"code", "name", "available"}]

    @property
    def available_count(self) -> int:
        return sum(1 for d in self.diseases if d["available"])


@dataclass
class ProvinceCoverage:
    province: CoverageRow
    cities: list  # [CoverageRow]
    pooling_areas: list  # [PoolingDiseases]

    @property
    def uncovered(self) -> list:
        return [c for city in self.cities for c in city.uncovered]


def county_coverage(prefix: str = "") -> tuple[int, int]:
    """(county-level units, covered ones) under a code prefix ("" = the whole country), in one query."""
    lo, hi = code_range(prefix)
    row = Region.objects.county_level().filter(code__range=(lo, hi)).aggregate(
        total=Count("code"), covered=Count("code", filter=_covering_facility()),
    )
    return row["total"], row["covered"]


def provinces_coverage() -> list[CoverageRow]:
    """One row per province (county-level units and covered ones), grouped in the database."""
    rows = (
        Region.objects.county_level()
        .annotate(province=Concat(Substr("code", 1, 2), Value("0000"), output_field=CharField()))
        .values("province")
        .annotate(total=Count("code"), covered=Count("code", filter=_covering_facility()))
        .order_by("province")
    )
    names = dict(Region.objects.filter(level=Level.PROVINCE).values_list("code", "name"))
    return [CoverageRow(code=r["province"], name=names.get(r["province"], r["province"]), counties=r["total"],
                        covered=r["covered"]) for r in rows]


def province_coverage(province_code: str) -> ProvinceCoverage:
    """Coverage of one province: the province, each city (with its uncovered counties), and which of the
    national chronic diseases each pooling area offers. Four aggregate queries, whatever the facility count."""
    province = Region.objects.get(code=province_code, level=Level.PROVINCE)
    units = Region.objects.county_level().filter(code__range=code_range(province.prefix))
    # A county's group is its city; a prefecture unit without counties (东莞) is its own group; counties
    # directly under the province (municipalities' districts, 仙桃 …) group under the province.
    group = Case(When(level=Level.CITY, then=F("code")), default=F("parent_id"), output_field=CharField())
    grouped = (
        units.annotate(grp=group).values("grp")
        .annotate(total=Count("code"), covered=Count("code", filter=_covering_facility()))
        .order_by("grp")
    )
    uncovered = units.annotate(grp=group).exclude(_covering_facility()).values_list("grp", "code", "name")
    missing: dict[str, list] = {}
    for grp, code, name in uncovered:
        missing.setdefault(grp, []).append({"code": code, "name": name})
    names = dict(Region.objects.filter(code__range=code_range(province.prefix), level__in=[
        Level.PROVINCE, Level.CITY]).values_list("code", "name"))
    cities = []
    for r in sorted(grouped, key=lambda r: (r["grp"] == province.code, r["grp"])):
        name = names.get(r["grp"], r["grp"])
        if r["grp"] == province.code:
            name = f"{name}（省直辖）"
        cities.append(CoverageRow(code=r["grp"], name=name, counties=r["total"], covered=r["covered"],
                                  uncovered=missing.get(r["grp"], [])))
    total = sum(c.counties for c in cities)
    covered = sum(c.covered for c in cities)
    return ProvinceCoverage(
        province=CoverageRow(code=province.code, name=province.name, counties=total, covered=covered,
                             uncovered=[c for city in cities for c in city.uncovered]),
        cities=cities,
        pooling_areas=pooling_area_diseases(province),
    )


def pooling_area_diseases(province: Region) -> list[PoolingDiseases]:
    """Per pooling area of the province, whether each national chronic disease is available: confirmed at an
    active facility there, for the disease itself, for its family, or (for a family) for one of its sub-codes."""
    lo, hi = code_range(province.prefix)
    pairs = set(
        FacilityDisease.objects.filter(
            status=DiseaseServiceStatus.CONFIRMED, facility__status=FacilityStatus.ACTIVE,
            facility__region__gte=lo, facility__region__lte=hi,
        ).values_list("facility__region__pooling_area_id", "disease_id").distinct()
    )
    offered: dict[str, set] = {}
    for area, code in pairs:
        offered.setdefault(area, set()).add(code)
    national = list(ChronicDisease.objects.filter(is_national_five=True, active=True).order_by("code"))
    areas = Region.objects.filter(code__range=(lo, hi), is_pooling_area=True).order_by("code")
    result = []
    for area in areas:
        codes = offered.get(area.code, set())
        result.append(PoolingDiseases(code=area.code, name=area.name, diseases=[
            {"code": d.code, "name": d.name, "available": _available(d.code, codes)} for d in national
        ]))
    return result


def _available(code: str, offered: set) -> bool:
    if code in offered or family_code(code) in offered:
        return True
    if code.endswith("00"):  # a family counts when any of its sub-codes is offered (血透 is 尿毒症透析)
        return any(c[:4] == code[:4] for c in offered)
    return False


def organisation_coverage(org) -> CoverageRow | None:
    """The coverage figure of an organisation's own region subtree (None for a facility)."""
    if org is None or org.is_facility:
        return None
    total, covered = county_coverage(org.region_prefix)
    return CoverageRow(code=org.region_id, name=org.region.name, counties=total, covered=covered)


REGION_CODE = re.compile(r"\d{6}", re.ASCII)


def province_code(requested) -> str:
    """``requested`` as a province's code, or ValidationFailed on ``province``. The shape is checked before any
    query (a NUL byte would fail in the database driver) and a value that is no code at all is not echoed back."""
    from apps.core.errors import ValidationFailed

    code = requested.strip() if isinstance(requested, str) else ""
    if not REGION_CODE.fullmatch(code):
        raise ValidationFailed(_("省份应为 6 位省级行政区划代码（如 320000）。"), field="province")
    if not Region.objects.filter(code=code, level=Level.PROVINCE).exists():
        raise ValidationFailed(_("%(code)s 不是省级行政区划代码。") % {"code": code}, field="province")
    return code


def coverage_province_for(org, requested: str | None) -> str | None:
    """Which province's coverage ``org`` may see: national picks any (None = the national overview); every
    other organisation sees its own province only. Raises NotFound for another province or a bad code."""
    from apps.core.errors import NotFound

    if requested:
        requested = province_code(requested)
    if org is None:
        raise NotFound(_("未找到。"))
    if org.is_national:
        return requested or None
    own = org.region_id[:2] + "0000"
    if requested and requested != own:
        raise NotFound(_("未找到该省的覆盖情况。"), field="province")
    return own


def pending_services_count(org) -> int:
    """Disease services waiting for confirmation in the organisation's scope."""
    from apps.regions.scope import scoped

    return scoped(FacilityDisease.objects.filter(status=DiseaseServiceStatus.PENDING), org).count()
