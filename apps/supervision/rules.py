"""The supervision rules: each is one set-based SQL statement that inserts flags straight from the settlements.

A rule builds a *candidate* SELECT of ``(sid, ekey, score, detail)`` — the settlement to flag, a stable
evidence key (the paired settlement's ``facility:number`` — numbers are unique per facility only — or its number
where it is at the flagged settlement's own facility, the drug or item code, or ``''``), a score and the evidence as
JSON. :func:`run_rule` wraps it in one ``INSERT INTO supervision_flag … SELECT … ON CONFLICT DO NOTHING``,
so a second scan adds nothing and a dismissed flag is never raised again for the same evidence.

The SQL is written for PostgreSQL and stays portable to SQLite ≥ 3.28 (the demo quick start): window
functions with integer RANGE frames over a day number, self-joins, EXISTS, ``||`` and ``substr``; the few
differences (day arithmetic, JSON building, money as text) go through :class:`Dialect`.

Reversed settlements never count. ``since`` limits a scan to settlements received since then; pair rules
still pair them with older settlements (and flag both sides), window rules look again at every settlement of
a person who has a new one.
"""
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.registration.matching import covering_exists_sql

S = "settlement_settlement"
ITEM = "settlement_settlementitem"


class Dialect:
    """The handful of expressions PostgreSQL and SQLite spell differently."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def day(self, col: str) -> str:
        """An integer day number, for RANGE frames and day differences."""
        return f"({col} - DATE '2000-01-01')" if self.pg else f"CAST(julianday({col}) AS INTEGER)"

    def days_between(self, later: str, earlier: str) -> str:
        return f"({later} - {earlier})" if self.pg else f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def json(self, **pairs: str) -> str:
        body = ", ".join(f"'{k}', {v}" for k, v in pairs.items())
        return f"jsonb_build_object({body})" if self.pg else f"json_object({body})"

    def money(self, expr: str) -> str:
        """Money as a 2-place decimal string in the evidence (API.md: money is never a float)."""
        return f"CAST(ROUND(CAST({expr} AS NUMERIC), 2) AS TEXT)" if self.pg else f"printf('%%.2f', {expr})"

    def yyyymmdd(self, col: str) -> str:
        return f"to_char({col}, 'YYYYMMDD')" if self.pg else f"strftime('%%Y%%m%%d', {col})"

    def in_list(self, param: str) -> str:
        """``IN (…)`` over a JSON array passed as one parameter (codes edited in the admin are never spliced in)."""
        if self.pg:
            return f"(SELECT jsonb_array_elements_text(CAST(%({param})s AS jsonb)))"
        return f"(SELECT value FROM json_each(%({param})s))"


@dataclass
class Built:
    sql: str
    params: dict
    pg_settings: dict | None = None  # SET LOCAL for this statement's transaction (PostgreSQL only)


def _live(a: str) -> str:
    return f"{a}.reversed_at IS NULL"


def _new(a: str, since) -> str:
    return "1=1" if since is None else f"{a}.created_at >= %(since)s"


def _touched(a: str, since) -> str:
    """Every settlement of a person who has a settlement received since ``since``."""
    if since is None:
        return "1=1"
    return f"{a}.id_number IN (SELECT n.id_number FROM {S} n WHERE n.created_at >= %(since)s)"


def _pairs(select: str, on: str, where: str, since) -> str:
    """A self-join of settlements ``a``–``b`` where either side is new.

    Incrementally it is two joins, each driven by the few new rows (found by arrival time, their partners by
    the person index), instead of one join over the whole table with ``a is new OR b is new``."""
    if since is None:
        return f"SELECT {select} FROM {S} a JOIN {S} b ON {on} WHERE {where}"
    new = f"(SELECT * FROM {S} WHERE created_at >= %(since)s)"
    return (f"SELECT {select} FROM {new} a JOIN {S} b ON {on} WHERE {where} UNION ALL "
            f"SELECT {select} FROM {S} a JOIN {new} b ON {on} WHERE {where}")


def _int(params: dict, key: str, default: int) -> int:
    return int(params.get(key, default))


def _dec(params: dict, key: str, default) -> Decimal:
    value = params.get(key)
    return Decimal(str(default if value in (None, "") else value))


# --- the rules --------------------------------------------------------------------------------------------------

def no_registration(d: Dialect, p: dict, since) -> Built:
    """No registration covers the treatment, unless it was emergency care (视同已备案).

    "Covers" is the registration area's one rule (``apps/registration/matching.py``, the rule ingest matches
    by), asked again at scan time over all the person's registrations: an emergency registration (异地急诊抢救,
    also one made afterwards, 补办, still under review) covers like any other. Emergency care is also recognised
    from the settlement itself: it carries an emergency service item (``emergency_item_codes``, e.g. 急诊诊查费).
    The evidence names the registration the settlement was matched to at ingest, if any."""
    vendor = "postgresql" if d.pg else "sqlite"
    covered = covering_exists_sql(id_number="s.id_number", region="s.treatment_region_id", day="s.service_start",
                                  vendor=vendor)
    sql = f"""
    SELECT s.id AS sid, '' AS ekey, 1 AS score,
           {d.json(reason="CASE WHEN r.id IS NULL THEN 'no_registration' "
                          "WHEN r.status NOT IN ('approved', 'expired') THEN 'registration_not_approved' "
                          "ELSE 'outside_validity' END",
                   registration="r.reference", registration_start="r.start_date", registration_end="r.end_date",
                   service_start="s.service_start", fund_paid=d.money("s.fund_paid"))} AS detail
    FROM {S} s LEFT JOIN registration_registration r ON r.id = s.registration_id
    WHERE {_live("s")} AND {_new("s", since)}
      AND NOT {covered}
      AND NOT EXISTS (
          SELECT 1 FROM {ITEM} ei WHERE ei.settlement_id = s.id AND ei.code IN {d.in_list("emergency_codes")})
    """
    return Built(sql, {"emergency_codes": json.dumps(list(p.get("emergency_item_codes", [])))})


def inpatient_overlap(d: Dialect, p: dict, since) -> Built:
    """Two inpatient stays of one person whose days overlap (discharge day = next admission day is a transfer)."""
    overlap = d.days_between(d.least("a.service_end", "b.service_end"),
                             d.greatest("a.service_start", "b.service_start"))
    sql = _pairs(
        f"""a.id AS sid, b.facility_id || ':' || b.number AS ekey, {overlap} AS score,
            {d.json(other="b.number", other_facility="b.facility_id", other_start="b.service_start",
                    other_end="b.service_end", overlap_days=overlap)} AS detail""",
        "b.id_number = a.id_number AND b.id <> a.id",
        f"""a.visit_type = 'inpatient' AND b.visit_type = 'inpatient' AND {_live("a")} AND {_live("b")}
            AND a.service_start < b.service_end AND b.service_start < a.service_end""", since)
    return Built(sql, {})


def same_day_cities(d: Dialect, p: dict, since) -> Built:
    """Outpatient visits of one person in two different cities (first four digits of the county) on one day."""
    sql = _pairs(
        f"""a.id AS sid, b.facility_id || ':' || b.number AS ekey, 1 AS score,
            {d.json(other="b.number", day="a.service_start", region="a.treatment_region_id",
                    other_region="b.treatment_region_id", other_facility="b.facility_id")} AS detail""",
        "b.id_number = a.id_number AND b.service_start = a.service_start AND b.id <> a.id",
        f"""a.visit_type IN {d.in_list("types")} AND b.visit_type IN {d.in_list("types")}
            AND substr(a.treatment_region_id, 1, 4) <> substr(b.treatment_region_id, 1, 4)
            AND {_live("a")} AND {_live("b")}""", since)
    return Built(sql, {"types": json.dumps(list(p.get("visit_types", ["outpatient", "chronic"])))})


def frequent_outpatient(d: Dialect, p: dict, since) -> Built:
    """More than ``max_visits`` outpatient visits in ``window_days`` days: each visit that tips it over."""
    window = _int(p, "window_days", 30)
    frame = f"PARTITION BY s.id_number ORDER BY {d.day('s.service_start')} RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW"
    sql = f"""
    SELECT v.sid, '' AS ekey, v.n AS score,
           {d.json(visits_in_window="v.n", window_from="v.first_day", window_to="v.service_start",
                   window_days="%(window)s", max_visits="%(max_visits)s")} AS detail
    FROM (SELECT s.id AS sid, s.service_start, COUNT(*) OVER w AS n, MIN(s.service_start) OVER w AS first_day
          FROM {S} s
          WHERE s.visit_type IN {d.in_list("types")} AND {_live("s")} AND {_touched("s", since)}
          WINDOW w AS ({frame})) v
    WHERE v.n > %(max_visits)s
    """
    return Built(sql, {"window": window, "max_visits": _int(p, "max_visits", 8),
                       "types": json.dumps(list(p.get("visit_types", ["outpatient"])))})


def drug_oversupply(d: Dialect, p: dict, since) -> Built:
    """Days of one drug supplied to one person within ``window_days`` exceed the window plus a tolerance."""
    window = _int(p, "window_days", 90)
    frame = f"PARTITION BY x.id_number, x.code ORDER BY {d.day('x.service_start')} RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW"
    sql = f"""
    SELECT w.sid, w.code AS ekey, w.days_total - %(window)s AS score,
           {d.json(drug="w.code", days_in_window="w.days_total", purchases="w.purchases",
                   window_from="w.first_day", window_days="%(window)s", tolerance_days="%(tolerance)s")} AS detail
    FROM (SELECT x.sid, x.code, SUM(x.days) OVER f AS days_total, COUNT(*) OVER f AS purchases,
                 MIN(x.service_start) OVER f AS first_day
          FROM (SELECT s.id AS sid, s.id_number, s.service_start, i.code, SUM(i.days_supply) AS days
                FROM {S} s JOIN {ITEM} i ON i.settlement_id = s.id
                WHERE i.category = 'drug' AND i.days_supply IS NOT NULL
                  AND s.visit_type IN {d.in_list("types")} AND {_live("s")} AND {_touched("s", since)}
                GROUP BY s.id, s.id_number, s.service_start, i.code) x
          WINDOW f AS ({frame})) w
    WHERE w.days_total > %(window)s + %(tolerance)s
    """
    return Built(sql, {"window": window, "tolerance": _int(p, "tolerance_days", 30),
                       "types": json.dumps(list(p.get("visit_types", ["chronic"])))})


def duplicate(d: Dialect, p: dict, since) -> Built:
    """The same person, facility, day and total amount settled twice: both sides flagged."""
    sql = _pairs(
        f"""a.id AS sid, b.number AS ekey, 1 AS score,
            {d.json(other="b.number", day="a.service_start", total_amount=d.money("a.total_amount"),
                    facility="a.facility_id")} AS detail""",
        "b.id_number = a.id_number AND b.service_start = a.service_start AND b.facility_id = a.facility_id "
        "AND b.total_amount = a.total_amount AND b.id <> a.id",
        f"""{_live("a")} AND {_live("b")}""", since)
    return Built(sql, {})


def readmission(d: Dialect, p: dict, since) -> Built:
    """Admitted again at the same facility within ``max_gap_days`` of a discharge (分解住院): the readmission."""
    gap = d.days_between("b.service_start", "a.service_end")
    sql = _pairs(
        f"""b.id AS sid, a.number AS ekey, {gap} AS score,
            {d.json(previous="a.number", previous_discharge="a.service_end", admission="b.service_start",
                    gap_days=gap, max_gap_days="%(gap)s")} AS detail""",
        "b.id_number = a.id_number AND b.facility_id = a.facility_id AND b.id <> a.id",
        f"""a.visit_type = 'inpatient' AND b.visit_type = 'inpatient' AND {_live("a")} AND {_live("b")}
            AND b.service_start >= a.service_end AND {gap} <= %(gap)s
            AND (b.service_start > a.service_start OR b.id > a.id)""", since)
    return Built(sql, {"gap": _int(p, "max_gap_days", 14)})


def service_not_opened(d: Dialect, p: dict, since) -> Built:
    """Inpatient or general outpatient care the facility has not opened, or an unconfirmed chronic disease.

    A confirmed family (``M07800``) covers its subtypes (``M07803``)."""
    disease_ok = """EXISTS (SELECT 1 FROM facilities_facilitydisease fd
                      WHERE fd.facility_id = s.facility_id AND fd.status = 'confirmed'
                        AND (fd.disease_id = s.disease_code OR fd.disease_id = substr(s.disease_code, 1, 4) || '00'))"""
    sql = f"""
    SELECT s.id AS sid, s.visit_type AS ekey, 1 AS score,
           {d.json(visit_type="s.visit_type", disease_code="s.disease_code", facility="s.facility_id",
                   reason="CASE s.visit_type WHEN 'inpatient' THEN 'inpatient_not_opened' "
                          "WHEN 'outpatient' THEN 'outpatient_not_opened' ELSE 'disease_not_confirmed' END")} AS detail
    FROM {S} s JOIN facilities_facility f ON f.code = s.facility_id
    WHERE {_live("s")} AND {_new("s", since)}
      AND ((s.visit_type = 'inpatient' AND NOT f.inpatient)
           OR (s.visit_type = 'outpatient' AND NOT f.outpatient)
           OR (s.visit_type = 'chronic' AND NOT {disease_ok}))
    """
    return Built(sql, {})


def peer_outlier(d: Dialect, p: dict, since) -> Built:
    """Total far above its peers (same visit type and facility level): above ``ratio`` × the peer mean AND
    above mean + ``z`` standard deviations (variance as avg(x²) − avg(x)², so no STDDEV is needed).

    The peer statistics are screening figures, computed in double precision (several times faster than numeric
    over a whole year of settlements); the amounts shown in the evidence are rounded to cents."""
    sd = "(CASE WHEN pe.var > 0 THEN sqrt(pe.var) ELSE 0 END)"
    x = "CAST(s2.total_amount AS DOUBLE PRECISION)"
    sql = f"""
    SELECT s.id AS sid, '' AS ekey, ROUND(CAST(s.total_amount / pe.mean AS NUMERIC), 2) AS score,
           {d.json(total_amount=d.money("s.total_amount"), peer_mean=d.money("pe.mean"),
                   peer_stddev=d.money(sd), threshold=d.money(f"pe.mean + %(z)s * {sd}"), peer_count="pe.n",
                   visit_type="s.visit_type", facility_level="f.level", ratio="%(ratio)s", z="%(z)s")} AS detail
    FROM {S} s
    JOIN facilities_facility f ON f.code = s.facility_id
    JOIN (SELECT s2.visit_type, f2.level, COUNT(*) AS n, AVG({x}) AS mean,
                 AVG({x} * {x}) - AVG({x}) * AVG({x}) AS var
          FROM {S} s2 JOIN facilities_facility f2 ON f2.code = s2.facility_id
          WHERE {_live("s2")}
          GROUP BY s2.visit_type, f2.level) pe ON pe.visit_type = s.visit_type AND pe.level = f.level
    WHERE {_live("s")} AND {_new("s", since)} AND pe.n >= %(min_peers)s AND pe.mean > 0
      AND s.total_amount > %(ratio)s * pe.mean
      AND (s.total_amount - pe.mean) * (s.total_amount - pe.mean) > %(z)s * %(z)s * pe.var
    """
    # The grouped statistics are estimated at one row, so PostgreSQL would fetch every settlement of every
    # facility by index (18 s on 1M rows); hash joins over one sequential pass take 3 s.
    return Built(sql, {"ratio": _dec(p, "ratio", 3), "z": _dec(p, "z", 3), "min_peers": _int(p, "min_peers", 30)},
                 pg_settings={"enable_nestloop": "off"})


def restricted_item(d: Dialect, p: dict, since) -> Built:
    """An item restricted by sex or age (catalogue ``RestrictedItem``) given to someone outside it.

    Sex and age come from the ID number: the 17th character (odd = male) and the birth date (7th–14th)."""
    sex = "(CASE WHEN CAST(substr(s.id_number, 17, 1) AS INTEGER) %% 2 = 1 THEN 'M' ELSE 'F' END)"
    age = f"((CAST({d.yyyymmdd('s.service_start')} AS INTEGER) - CAST(substr(s.id_number, 7, 8) AS INTEGER)) / 10000)"
    sql = f"""
    SELECT s.id AS sid, i.code AS ekey, 1 AS score,
           {d.json(item="i.code", item_name="ri.name", sex=sex, age=age, allowed_sex="ri.sex",
                   min_age="ri.min_age", max_age="ri.max_age")} AS detail
    FROM {S} s
    JOIN {ITEM} i ON i.settlement_id = s.id
    JOIN supervision_restricteditem ri ON ri.code = i.code
    WHERE ri.active AND {_live("s")} AND {_new("s", since)} AND length(s.id_number) = 18
      AND ((ri.sex <> '' AND {sex} <> ri.sex)
           OR (ri.min_age IS NOT NULL AND {age} < ri.min_age)
           OR (ri.max_age IS NOT NULL AND {age} > ri.max_age))
    """
    return Built(sql, {})


def large_inpatient(d: Dialect, p: dict, since) -> Built:
    """A single (cross-province) inpatient claim whose total exceeds ``amount`` (settings default ¥30,000)."""
    cross = "s.insured_province <> s.treatment_province" if p.get("cross_province_only", True) else "1=1"
    sql = f"""
    SELECT s.id AS sid, '' AS ekey, ROUND(s.total_amount / %(amount)s, 2) AS score,
           {d.json(total_amount=d.money("s.total_amount"), threshold=d.money("%(amount)s"))} AS detail
    FROM {S} s
    WHERE s.visit_type = 'inpatient' AND {_live("s")} AND {_new("s", since)} AND {cross}
      AND s.total_amount > %(amount)s
    """
    return Built(sql, {"amount": _dec(p, "amount", settings.YIDI_LARGE_INPATIENT_CLAIM)})


RULES = {
    "NO_REGISTRATION": no_registration,
    "INPATIENT_OVERLAP": inpatient_overlap,
    "SAME_DAY_CITIES": same_day_cities,
    "FREQUENT_OUTPATIENT": frequent_outpatient,
    "DRUG_OVERSUPPLY": drug_oversupply,
    "DUPLICATE": duplicate,
    "READMISSION": readmission,
    "SERVICE_NOT_OPENED": service_not_opened,
    "PEER_OUTLIER": peer_outlier,
    "RESTRICTED_ITEM": restricted_item,
    "LARGE_INPATIENT": large_inpatient,
}


def build(rule, since=None, vendor: str | None = None) -> Built:
    """The INSERT … SELECT … ON CONFLICT DO NOTHING statement for ``rule`` (a Rule row)."""
    d = Dialect(vendor or connection.vendor)
    candidate = RULES[rule.code](d, rule.params or {}, since)
    sql = f"""
    INSERT INTO supervision_flag (rule_id, settlement_id, evidence_key, score, detail, status,
                                  insured_region_id, treatment_region_id, facility_id, note, created_at)
    SELECT %(rule)s, c.sid, c.ekey, c.score, c.detail, 'new',
           t.insured_region_id, t.treatment_region_id, t.facility_id, '', %(now)s
    FROM ({candidate.sql}) c JOIN {S} t ON t.id = c.sid
    WHERE 1=1
    ON CONFLICT (rule_id, settlement_id, evidence_key) DO NOTHING
    """
    ops = connection.ops
    params = {**candidate.params, "rule": rule.code, "now": ops.adapt_datetimefield_value(timezone.now())}
    if since is not None:
        params["since"] = ops.adapt_datetimefield_value(since)
    if not d.pg:
        params = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}
    return Built(sql, params, candidate.pg_settings if d.pg else None)


def run_rule(rule, since=None) -> int:
    """Run one rule as one statement (inside the caller's transaction); the number of new flags."""
    built = build(rule, since)
    with connection.cursor() as cursor:
        for name, value in (built.pg_settings or {}).items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute(built.sql, built.params)
        return max(cursor.rowcount, 0)
