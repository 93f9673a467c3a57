"""Writes about facilities: registration (with its fifth-tier organisation), services, disease confirmation,
and the bulk import shared by the admin and ``manage.py import_facilities``."""
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.core import audit
from apps.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from apps.core.inputs import text_error
from apps.regions.models import Organisation, Region, Tier
from apps.regions.scope import covers_region

from .models import (ChronicDisease, DiseaseServiceEvent, DiseaseServiceStatus, Facility, FacilityDisease,
                     FacilityKind, FacilityLevel, FacilityStatus)

CODE_RE = re.compile(r"^[HP]\d{11}$")
KIND_LETTER = {FacilityKind.HOSPITAL: "H", FacilityKind.PHARMACY: "P"}
try:  # COPY raises the driver's own error, not Django's wrapper
    from psycopg.errors import IntegrityError as _DriverIntegrityError

    _INTEGRITY_ERRORS = (IntegrityError, _DriverIntegrityError)
except ImportError:  # pragma: no cover - SQLite-only installs
    _INTEGRITY_ERRORS = (IntegrityError,)
IMPORT_COLUMNS = ["code", "name", "kind", "level", "region", "address", "status", "inpatient", "outpatient",
                  "chronic_diseases"]
TRUE_WORDS = {"true", "1", "yes", "y", "是", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "f", ""}
KINDS = frozenset(FacilityKind.values)
LEVELS = frozenset(FacilityLevel.values)
STATUSES = frozenset(FacilityStatus.values)
DISEASE_SEPARATORS = re.compile(r"[;；,，\s]+")
NAME_MAX = Facility._meta.get_field("name").max_length
ADDRESS_MAX = Facility._meta.get_field("address").max_length


# --- validation shared by single writes and the import ------------------------------------------------

def code_problem(code: str, kind: str, county_codes: set[str]) -> str | None:
    """What is wrong with a facility code (Chinese), or None. ``county_codes``: the real county-level codes
    to check against (a set, so the import can check 20,000 codes without a query each)."""
    if not code:
        return "机构编码不能为空。"
    if len(code) != 12:
        return f"机构编码 {code} 长度应为 12 位（H/P + 6 位县区代码 + 5 位序号），实为 {len(code)} 位。"
    if not CODE_RE.match(code):
        return f"机构编码 {code} 格式错误：应为 H（医疗机构）或 P（零售药店）后接 11 位数字。"
    letter = KIND_LETTER.get(kind)
    if letter and code[0] != letter:
        label = FacilityKind(kind).label
        return f"机构编码 {code} 首字母应为 {letter}（{label}），与机构类别不符。"
    if code[1:7] not in county_codes:
        return f"机构编码 {code} 中的区划代码 {code[1:7]} 不是现行的县级行政区划。"
    return None


def county_codes(codes=None) -> set[str]:
    qs = Region.objects.county_level()
    if codes is not None:
        qs = qs.filter(code__in=set(codes))
    return set(qs.values_list("code", flat=True))


def _check_scope(by: Organisation | None, region_code: str):
    if by is None:
        return
    if by.is_facility:
        raise NotAllowed("定点医药机构不能登记或变更机构信息，请联系所在县区医保经办机构。")
    if not covers_region(by, region_code):
        raise NotAllowed(f"该机构所在县区（{region_code}）不在{by.name}的管辖范围内。", field="code")


def _choice(value: str, choices, field_name: str, label: str):
    if value not in choices.values:
        allowed = "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
        raise ValidationFailed(f"{label}“{value}”无效，可选：{allowed}。", field=field_name)


def name_problem(name: str) -> str | None:
    """What is wrong with a facility name (Chinese), or None: empty, too long, or a control character (a line
    break from an Excel cell included), NUL or lone surrogate — one line of plain text, as the register shows it."""
    name = name.strip()
    if not name:
        return "机构名称不能为空。"
    if len(name) > NAME_MAX:
        return f"机构名称不能超过 {NAME_MAX} 个字符。"
    problem = text_error(name)
    return f"机构名称{problem}" if problem else None


def address_problem(address: str) -> str | None:
    if len(address) > ADDRESS_MAX:
        return f"地址不能超过 {ADDRESS_MAX} 个字符。"
    problem = text_error(address)
    return f"地址{problem}" if problem else None


def _check_name(name):
    problem = name_problem(name if isinstance(name, str) else "")
    if problem:
        raise ValidationFailed(problem, field="name")


def _check_address(address):
    problem = address_problem(address if isinstance(address, str) else "")
    if problem:
        raise ValidationFailed(problem, field="address")


def _sync_organisation(facility: Facility) -> Organisation:
    """Create or update the fifth-tier organisation a facility's staff and systems act for."""
    parent = Organisation.objects.get(code=facility.region_id)
    org, _ = Organisation.objects.update_or_create(
        code=facility.code,
        defaults=dict(name=facility.name, tier=Tier.FACILITY, region_id=facility.region_id, parent=parent),
    )
    return org


# --- single facility -----------------------------------------------------------------------------------

def check_registration(*, by: Organisation | None, code: str, kind: str, name: str = "x") -> str:
    """Raise if a facility with this code may not be registered by ``by``; return the normalised code."""
    code = (code or "").strip().upper()
    _choice(kind, FacilityKind, "kind", "机构类别")
    problem = code_problem(code, kind, county_codes([code[1:7]]))
    if problem:
        raise ValidationFailed(problem, field="code")
    _check_name(name)
    _check_scope(by, code[1:7])
    if Facility.objects.filter(code=code).exists() or Organisation.objects.filter(code=code).exists():
        raise ValidationFailed(f"机构编码 {code} 已登记，不能重复登记。", field="code")
    return code


@transaction.atomic
def register_facility(*, by: Organisation | None, actor=None, code: str, name: str, kind: str,
                      level: str = FacilityLevel.UNRATED, address: str = "", status: str = FacilityStatus.ACTIVE,
                      inpatient: bool = False, outpatient: bool = False) -> Facility:
    """Register a new facility and its organisation; the county is read from the code."""
    code = check_registration(by=by, code=code, kind=kind, name=name)
    _choice(level, FacilityLevel, "level", "机构等级")
    _choice(status, FacilityStatus, "status", "状态")
    _check_address(address or "")
    facility = Facility(code=code, name=name.strip(), kind=kind, level=level, region_id=code[1:7],
                        address=address, status=status, inpatient=inpatient, outpatient=outpatient)
    facility.organisation = _sync_organisation(facility)
    facility.save()
    audit.record(actor=actor, organisation=by, action="facility.register", obj=facility,
                 summary=f"登记定点医药机构 {facility}")
    return facility


UPDATABLE = ("name", "level", "address", "status", "inpatient", "outpatient")


@transaction.atomic
def update_facility(*, by: Organisation | None, actor=None, code: str, **changes) -> Facility:
    """Change a facility's name, level, address, status or cross-province services (inpatient/outpatient)."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(f"不能修改字段：{'、'.join(sorted(unknown))}。")
    facility = Facility.objects.select_for_update().filter(code=code).first()
    if facility is None:
        raise NotFound(f"机构编码 {code} 不存在。", field="code")
    _check_scope(by, facility.region_id)
    if "level" in changes:
        _choice(changes["level"], FacilityLevel, "level", "机构等级")
    if "status" in changes:
        _choice(changes["status"], FacilityStatus, "status", "状态")
    if "name" in changes:
        _check_name(changes["name"])
    if "address" in changes:
        _check_address(changes["address"] or "")
    before = {k: getattr(facility, k) for k in changes}
    for k, v in changes.items():
        setattr(facility, k, v)
    facility.save()
    if facility.organisation_id is None or "name" in changes:
        facility.organisation = _sync_organisation(facility)
        facility.save(update_fields=["organisation"])
    changed = {k: [before[k], v] for k, v in changes.items() if before[k] != v}
    if changed:
        audit.record(actor=actor, organisation=by, action="facility.update", obj=facility,
                     summary=f"变更定点医药机构 {facility}", changes=changed)
    return facility


# --- chronic-disease services --------------------------------------------------------------------------

def _disease(code: str) -> ChronicDisease:
    disease = ChronicDisease.objects.filter(code=(code or "").strip().upper(), active=True).first()
    if disease is None:
        raise ValidationFailed(f"门诊慢特病编码 {code} 不在病种目录中。", field="disease")
    return disease


def _event(service, from_status, by, actor, note=""):
    DiseaseServiceEvent.objects.create(service=service, from_status=from_status or "", to_status=service.status,
                                       organisation=by, actor=actor, note=note[:255])


@transaction.atomic
def request_disease(*, by: Organisation | None, actor=None, facility_code: str, disease_code: str) -> FacilityDisease:
    """Open a chronic-disease service: it waits (pending) for the bureau to confirm it."""
    facility = Facility.objects.filter(code=facility_code).first()
    if facility is None:
        raise NotFound(f"机构编码 {facility_code} 不存在。", field="facility")
    if by is not None and not (by.is_facility and by.code == facility.code):
        _check_scope(by, facility.region_id)
    disease = _disease(disease_code)
    service, created = FacilityDisease.objects.select_for_update().get_or_create(facility=facility, disease=disease)
    if not created:
        if service.status != DiseaseServiceStatus.REVOKED:
            raise Conflict(f"{facility.name}已有{disease.name}的开通记录（{service.get_status_display()}）。")
        previous = service.status
        service.status, service.confirmed_by, service.confirmed_at = DiseaseServiceStatus.PENDING, None, None
        service.save()
    else:
        previous = ""
    _event(service, previous, by, actor, "申请开通")
    audit.record(actor=actor, organisation=by, action="facility.disease.request", obj=service,
                 summary=f"{facility.code} 申请开通 {disease.code}")
    return service


def _service_for_transition(facility_code: str, disease_code: str) -> FacilityDisease:
    service = (FacilityDisease.objects.select_for_update().select_related("facility", "disease")
               .filter(facility_id=facility_code, disease_id=(disease_code or "").strip().upper()).first())
    if service is None:
        raise NotFound(f"机构 {facility_code} 没有病种 {disease_code} 的开通记录。", field="disease")
    return service


def _check_bureau_in_scope(by: Organisation | None, service: FacilityDisease):
    if by is None or by.is_facility or not covers_region(by, service.facility.region_id):
        raise NotAllowed("只有机构所在地（管辖该县区）的医保经办机构可以确认或撤销门诊慢特病开通。")


@transaction.atomic
def confirm_disease(*, by: Organisation, actor=None, facility_code: str, disease_code: str) -> FacilityDisease:
    """pending → confirmed, by a bureau whose region subtree holds the facility; only then does it count."""
    service = _service_for_transition(facility_code, disease_code)
    _check_bureau_in_scope(by, service)
    if service.status != DiseaseServiceStatus.PENDING:
        raise Conflict(f"{service.disease.name}当前为“{service.get_status_display()}”，只有待确认的开通可以确认。")
    service.status, service.confirmed_by, service.confirmed_at = DiseaseServiceStatus.CONFIRMED, by, timezone.now()
    service.save()
    _event(service, DiseaseServiceStatus.PENDING, by, actor, "确认开通")
    audit.record(actor=actor, organisation=by, action="facility.disease.confirm", obj=service,
                 summary=f"确认 {service.facility_id} 开通 {service.disease_id}")
    return service


@transaction.atomic
def revoke_disease(*, by: Organisation, actor=None, facility_code: str, disease_code: str,
                   reason: str = "") -> FacilityDisease:
    """pending/confirmed → revoked, by a bureau in scope; the service stops counting at once."""
    service = _service_for_transition(facility_code, disease_code)
    _check_bureau_in_scope(by, service)
    if service.status == DiseaseServiceStatus.REVOKED:
        raise Conflict(f"{service.disease.name}已撤销。")
    previous = service.status
    service.status = DiseaseServiceStatus.REVOKED
    service.save()
    _event(service, previous, by, actor, reason or "撤销开通")
    audit.record(actor=actor, organisation=by, action="facility.disease.revoke", obj=service,
                 summary=f"撤销 {service.facility_id} 的 {service.disease_id}", reason=reason)
    return service


# --- bulk import ---------------------------------------------------------------------------------------

@dataclass
class RowError:
    line: int  # the line in the file (the header is line 1)
    field: str
    message: str

    def __str__(self):
        return f"第 {self.line} 行：{self.message}"


@dataclass
class ImportReport:
    created: list = field(default_factory=list)  # facility codes
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # [RowError]
    rows: list = field(default_factory=list)  # per valid row: (line, code, "new"|"update"|"skip", values)
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.errors)

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors})


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX cells read as numbers
    return str(value).strip()


def _bool(value, line, field_name, label, errors) -> bool:
    word = _text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(line, field_name, f"{label}应为 true 或 false，实为“{_text(value)}”。"))
    return False


def _scope_test(by):
    """``covers_region(by, county)``, asked once per county of the file; None when there is no organisation."""
    if by is None:
        return None
    memo: dict[str, bool] = {}

    def covers(county: str) -> bool:
        if county not in memo:
            memo[county] = covers_region(by, county)
        return memo[county]

    return covers


def _parse_row(raw: dict, line: int, counties: set, diseases: set, by, covers, errors: list) -> dict | None:
    before = len(errors)
    code_text, kind_text, status_text = _text(raw.get("code")), _text(raw.get("kind")), _text(raw.get("status"))
    code, kind = code_text.upper(), kind_text.lower()
    if kind not in KINDS:
        errors.append(RowError(line, "kind", f"机构类别应为 hospital（医疗机构）或 pharmacy（零售药店），实为“{kind_text}”。"))
    problem = code_problem(code, kind, counties)
    if problem:
        errors.append(RowError(line, "code", problem))
    name = _text(raw.get("name"))
    problem_of_name = name_problem(name)
    if problem_of_name:
        errors.append(RowError(line, "name", problem_of_name))
    address = _text(raw.get("address"))
    problem_of_address = address_problem(address)
    if problem_of_address:
        errors.append(RowError(line, "address", problem_of_address))
    level = _text(raw.get("level")) or FacilityLevel.UNRATED.value
    if level not in LEVELS:
        errors.append(RowError(line, "level", f"机构等级应为 3、2、1 或 0（未定级），实为“{level}”。"))
    county = code[1:7]
    region = _text(raw.get("region")) or county
    if region and region != county and not problem:
        errors.append(RowError(line, "region", f"所在县区 {region} 与机构编码中的区划代码 {county} 不一致。"))
    status = status_text.lower() or FacilityStatus.ACTIVE.value
    if status not in STATUSES:
        errors.append(RowError(line, "status", f"状态应为 active（正常）或 suspended（暂停），实为“{status_text}”。"))
    inpatient = _bool(raw.get("inpatient"), line, "inpatient", "住院（inpatient）", errors)
    outpatient = _bool(raw.get("outpatient"), line, "outpatient", "普通门诊（outpatient）", errors)
    listed = _text(raw.get("chronic_diseases"))
    codes = [c.upper() for c in DISEASE_SEPARATORS.split(listed) if c] if listed else []
    unknown = [c for c in codes if c not in diseases]
    if unknown:
        errors.append(RowError(line, "chronic_diseases", f"门诊慢特病编码 {'、'.join(unknown)} 不在病种目录中。"))
    if covers is not None and not problem and not covers(county):
        errors.append(RowError(line, "region", f"机构所在县区 {county} 不在{by.name}的管辖范围内。"))
    if len(errors) > before:
        return None
    return dict(code=code, name=name, kind=kind, level=level, region_id=county, address=address,
                status=status, inpatient=inpatient, outpatient=outpatient, diseases=list(dict.fromkeys(codes)))


FACILITY_FIELDS = ["name", "kind", "level", "region_id", "address", "status", "inpatient", "outpatient"]
ORGANISATION_FIELDS = ["name", "tier", "region_id", "parent_id"]


def import_facilities(*, rows, by: Organisation | None, actor=None, dry_run: bool = False,
                      first_line: int = 2) -> ImportReport:
    """Create or update facilities (and their organisations and disease services) from rows of the import
    columns. All or nothing: one bad row refuses the whole file and every bad row is reported.

    Loaded by a bureau, the listed diseases count as that bureau's confirmation (each row's county must lie
    in its scope); loaded with no organisation (a system feed), they wait as pending. Confirmed diseases a
    row no longer lists are revoked; pending requests are left alone. Reads are a handful of bulk queries
    and writes are bulk statements (COPY on PostgreSQL), whatever the number of rows."""
    if by is not None and by.is_facility:
        raise NotAllowed("定点医药机构不能导入机构数据。")
    report = ImportReport(dry_run=dry_run)
    rows = list(rows)
    if rows:
        missing = [c for c in IMPORT_COLUMNS if c not in rows[0]]
        if missing:
            report.errors.append(RowError(1, "non_field_errors", f"缺少列：{', '.join(missing)}。应有列："
                                                                 f"{', '.join(IMPORT_COLUMNS)}。"))
            return report
    candidate_regions = {_text(r.get("code"))[1:7] for r in rows}
    counties = county_codes(candidate_regions)
    diseases = set(ChronicDisease.objects.filter(active=True).values_list("code", flat=True))
    covers = _scope_test(by)
    parsed, seen = [], {}
    for i, raw in enumerate(rows):
        line = first_line + i
        item = _parse_row(raw, line, counties, diseases, by, covers, report.errors)
        code = item["code"] if item is not None else _text(raw.get("code")).upper()
        if code and code in seen:
            report.errors.append(RowError(line, "code", f"机构编码 {code} 在文件中重复（第 {seen[code]} 行已出现）。"))
            continue
        if code:
            seen[code] = line
        if item is not None:
            item["line"] = line
            parsed.append(item)
    if report.errors:
        return report

    existing = _existing_facilities([p["code"] for p in parsed])
    for p in parsed:
        current = existing.get(p["code"])
        if current is None:
            kind_of_row = "new"
        elif current[0] != p["kind"]:
            report.errors.append(RowError(p["line"], "kind", f"机构 {p['code']} 已登记为{FacilityKind(current[0]).label}，"
                                                             f"不能改为其他类别。"))
            continue
        elif current[1] == tuple(p[f] for f in FACILITY_FIELDS):
            kind_of_row = "skip"
        else:
            kind_of_row = "update"
        p["import_type"] = kind_of_row
        report.rows.append((p["line"], p["code"], kind_of_row, p))
    if report.errors:
        report.rows = []
        return report
    for _, code, kind_of_row, _ in report.rows:
        {"new": report.created, "update": report.updated, "skip": report.unchanged}[kind_of_row].append(code)
    if dry_run:
        return report
    try:
        _write_import(parsed, existing, by, actor, report)
    except _INTEGRITY_ERRORS:
        # another import created or changed the same facilities between our read and our write
        raise Conflict("导入期间有其他导入同时写入了相同的机构，整个文件未导入，请重试。")
    return report


def _codes_in(field_name: str, codes) -> Q:
    """``field IN codes``: on PostgreSQL one array parameter instead of one placeholder per code (a 20,000-row
    file would otherwise send 20,000 parameters through the driver's query parsing)."""
    codes = list(codes)
    if connection.vendor == "postgresql":
        return Q(**{f"{field_name}__in": RawSQL("SELECT unnest(%s::varchar[])", [codes])})
    return Q(**{f"{field_name}__in": codes})


def _existing_facilities(codes: list[str]) -> dict:
    """{code: (kind, (the FACILITY_FIELDS values), organisation_id)} of the facilities already registered."""
    if not codes:
        return {}
    found = Facility.objects.filter(_codes_in("code", codes)).values_list("code", *FACILITY_FIELDS, "organisation_id")
    return {row[0]: (row[2], row[1:-1], row[-1]) for row in found}


@transaction.atomic
def _write_import(parsed, existing, by, actor, report):
    now = timezone.now()
    # organisations: one per facility, under its county bureau
    bureaus = dict(Organisation.objects.filter(code__in={p["region_id"] for p in parsed}).values_list("code", "pk"))
    orgs = {row[0]: (row[1], row[2:]) for row in Organisation.objects.filter(_codes_in("code", (
        p["code"] for p in parsed))).values_list("code", "pk", *ORGANISATION_FIELDS)}
    new_orgs, changed_orgs, org_ids = [], [], {}
    for p in parsed:
        wanted = (p["name"], Tier.FACILITY.value, p["region_id"], bureaus[p["region_id"]])
        current = orgs.get(p["code"])
        if current is None:
            new_orgs.append((p["code"], *wanted))
        else:
            org_ids[p["code"]] = current[0]
            if current[1] != wanted:
                changed_orgs.append((current[0], *wanted))
    new_ids = insert_rows(Organisation, ["code", *ORGANISATION_FIELDS], new_orgs, returning_ids=True)
    org_ids.update(zip((row[0] for row in new_orgs), new_ids))
    bulk_update(Organisation, ORGANISATION_FIELDS, changed_orgs)

    new_facilities, changed_facilities = [], []
    for p in parsed:
        values, org_id = tuple(p[f] for f in FACILITY_FIELDS), org_ids[p["code"]]
        current = existing.get(p["code"])
        if current is None:
            new_facilities.append((p["code"], *values, org_id, now, now))
        elif p["import_type"] == "update" or current[2] != org_id:
            changed_facilities.append((p["code"], *values, org_id, now))
    insert_rows(Facility, ["code", *FACILITY_FIELDS, "organisation_id", "created_at", "updated_at"], new_facilities)
    bulk_update(Facility, FACILITY_FIELDS + ["organisation_id", "updated_at"], changed_facilities)

    _import_disease_services(parsed, existing, by, actor, now)
    audit.record(actor=actor, organisation=by, action="facility.import", object_type="facilities.facility",
                 object_id="import", summary=f"导入定点医药机构：新增 {len(report.created)}，更新 "
                                             f"{len(report.updated)}，未变 {len(report.unchanged)}",
                 created=report.created[:1000], updated=report.updated[:1000])


def _import_disease_services(parsed, existing, by, actor, now):
    confirming = by is not None
    confirmed, revoked = DiseaseServiceStatus.CONFIRMED.value, DiseaseServiceStatus.REVOKED.value
    target = confirmed if confirming else DiseaseServiceStatus.PENDING.value
    confirmation = (by.pk, now) if confirming else (None, None)
    listed = {(p["code"], d) for p in parsed for d in p["diseases"]}
    current = {}  # (facility, disease): (id, status, confirmed_by_id, confirmed_at)
    if existing:
        found = FacilityDisease.objects.filter(_codes_in("facility_id", existing)).values_list(
            "id", "facility_id", "disease_id", "status", "confirmed_by_id", "confirmed_at")
        for pk, facility, disease, *rest in found:
            current[(facility, disease)] = (pk, *rest)
    to_create, to_update, events = [], [], []  # events: (service id, from status, to status)
    for key in listed:
        service = current.get(key)
        if service is None:
            to_create.append((*key, target, *confirmation))
        elif service[1] != target and not (service[1] == confirmed and not confirming):
            to_update.append((service[0], target, *confirmation))
            events.append((service[0], service[1], target))
    # a confirmed service the file no longer lists is withdrawn; pending requests stay for the bureau
    for key, (pk, status, confirmed_by_id, confirmed_at) in current.items():
        if key not in listed and status == confirmed:
            to_update.append((pk, revoked, confirmed_by_id, confirmed_at))
            events.append((pk, status, revoked))
    service_fields = ["status", "confirmed_by_id", "confirmed_at"]
    new_ids = insert_rows(FacilityDisease, ["facility_id", "disease_id", *service_fields], to_create,
                          returning_ids=True)
    bulk_update(FacilityDisease, service_fields, to_update)
    by_id, actor_id = (by.pk if by else None), (actor.pk if actor is not None else None)
    event_fields = ["service_id", "from_status", "to_status", "organisation_id", "actor_id", "note", "at"]
    insert_rows(DiseaseServiceEvent, event_fields,
                [(pk, "", target, by_id, actor_id, "批量导入", now) for pk in new_ids]
                + [(pk, before, after, by_id, actor_id, "批量导入", now) for pk, before, after in events])


# --- bulk writes: tuples in, set-based statements out -----------------------------------------------------

def insert_rows(model, fields: list[str], rows: list[tuple], *, returning_ids: bool = False) -> list:
    """Insert ``rows`` (tuples of ``fields``' values, by attribute name); return the new ids if asked.

    On PostgreSQL one ``COPY`` (ids drawn from the table's sequence first), with no model instance per row —
    building 20,000 instances and compiling a 20,000-row INSERT took more time than the database did.
    Elsewhere (SQLite, the demo) Django's ``bulk_create``."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create([model(**dict(zip(fields, row))) for row in rows], batch_size=500)
        return [o.pk for o in objs] if returning_ids else []
    meta, qn = model._meta, connection.ops.quote_name
    columns = [meta.get_field(f).column for f in fields]
    ids = []
    with connection.cursor() as cursor:
        if returning_ids:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
            columns = [meta.pk.column] + columns
            rows = [(pk, *row) for pk, row in zip(ids, rows)]
        copy_sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def bulk_update(model, fields: list[str], rows: list[tuple], batch_size: int = 10000):
    """Write ``fields`` for ``rows`` — tuples of (primary key, *values in the order of ``fields``) — in a few
    statements. On PostgreSQL one ``UPDATE … FROM UNNEST(arrays)`` per batch (one typed array parameter per
    column): Django's ``bulk_update`` builds a CASE with one branch per row, which is quadratic and took minutes
    for a 20,000-row feed. Elsewhere (SQLite, the demo) Django's."""
    if not rows:
        return
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**{meta.pk.attname: row[0], **dict(zip(fields, row[1:]))}) for row in rows]
        model.objects.bulk_update(objs, fields, batch_size=500)
        return
    qn = connection.ops.quote_name
    columns = [meta.pk] + [meta.get_field(f) for f in fields]
    names = ", ".join(qn(c.column) for c in columns)
    arrays = ", ".join(f"%s::{c.db_type(connection)}[]" for c in columns)
    assignments = ", ".join(f"{qn(c.column)} = v.{qn(c.column)}" for c in columns[1:])
    pk = qn(meta.pk.column)
    sql = (f"UPDATE {qn(meta.db_table)} AS t SET {assignments} FROM UNNEST({arrays}) AS v({names}) "
           f"WHERE t.{pk} = v.{pk}")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.execute(sql, [list(column) for column in zip(*rows[start:start + batch_size])])
