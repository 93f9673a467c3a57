"""Building a month's clearing rows in one set-based statement (INSERT … SELECT … GROUP BY … ON CONFLICT).

A settlement counts +1 in its ``clearing_period``; a reversal counts −1 in its ``reversal_period`` (in the same
month as the settlement: it simply leaves the draft). Moves that belong to an earlier month's business — a late
settlement, or the reversal of one counted in a declared month — are also summed as the adjustment (调整). Rows that
were declared are never touched again, so a rebuilt draft gives the same figures and nothing is counted twice.
The statement runs on PostgreSQL and SQLite (≥ 3.24) alike."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import Clearing, ClearingStatus, Settlement, month_start

_SUMS = ("total_amount", "eligible_amount", "fund_paid", "account_paid", "cash_paid")
_ZERO_FIGURES = dict(settlement_count=0, reversal_count=0, adjustment_count=0, adjustment_total_amount=0,
                     adjustment_fund_paid=0, **{f: 0 for f in _SUMS})


def build(period: dt.date, pair: tuple[str, str] | None = None) -> int:
    """Write the figures of ``period`` into its draft rows (one pair, or all). Returns the pairs with activity."""
    period = month_start(period)
    drafts = Clearing.objects.filter(period=period, status=ClearingStatus.DRAFT)
    if pair:
        drafts = drafts.filter(insured_province_id=pair[0], treatment_province_id=pair[1])
    drafts.update(**_ZERO_FIGURES)  # a pair whose settlements were all reversed comes back as zero

    ops = connection.ops
    period_start = timezone.make_aware(dt.datetime.combine(period, dt.time.min))
    params = {
        "period": ops.adapt_datefield_value(period),
        "period_start": ops.adapt_datetimefield_value(period_start),
        "due": ops.adapt_datefield_value(Clearing.due_for(period)),
        "now": ops.adapt_datetimefield_value(timezone.now()),
        "draft": ClearingStatus.DRAFT.value,
    }
    pair_sql = ""
    if pair:
        pair_sql = " AND insured_province = %(ip)s AND treatment_province = %(tp)s"
        params.update(ip=pair[0], tp=pair[1])
    s, c = Settlement._meta.db_table, Clearing._meta.db_table
    sums_pos = ", ".join(_SUMS)
    sums_neg = ", ".join(f"-{f}" for f in _SUMS)
    sum_cols = ", ".join(f"SUM({f})" for f in _SUMS)
    sql = f"""
        INSERT INTO {c} (period, insured_province_id, treatment_province_id, settlement_count, reversal_count,
                         {sums_pos}, adjustment_count, adjustment_total_amount, adjustment_fund_paid,
                         status, declare_due, built_at)
        SELECT %(period)s, ip, tp, SUM(n_settle), SUM(n_rev), {sum_cols}, SUM(n_adj),
               SUM(CASE WHEN adj = 1 THEN total_amount ELSE 0 END),
               SUM(CASE WHEN adj = 1 THEN fund_paid ELSE 0 END),
               %(draft)s, %(due)s, %(now)s
        FROM (
            SELECT insured_province AS ip, treatment_province AS tp, 1 AS n_settle, 0 AS n_rev, {sums_pos},
                   CASE WHEN settled_at < %(period_start)s THEN 1 ELSE 0 END AS adj,
                   CASE WHEN settled_at < %(period_start)s THEN 1 ELSE 0 END AS n_adj
            FROM {s} WHERE clearing_period = %(period)s{pair_sql}
            UNION ALL
            SELECT insured_province, treatment_province,
                   CASE WHEN clearing_period = %(period)s THEN -1 ELSE 0 END,
                   CASE WHEN clearing_period = %(period)s THEN 0 ELSE 1 END,
                   {sums_neg},
                   CASE WHEN settled_at < %(period_start)s THEN 1 ELSE 0 END,
                   CASE WHEN settled_at >= %(period_start)s THEN 0 WHEN clearing_period = %(period)s THEN -1
                        ELSE 1 END
            FROM {s} WHERE reversal_period = %(period)s{pair_sql}
        ) AS moves
        WHERE true
        GROUP BY ip, tp
        ON CONFLICT (period, insured_province_id, treatment_province_id) DO UPDATE SET
            settlement_count = excluded.settlement_count, reversal_count = excluded.reversal_count,
            {", ".join(f"{f} = excluded.{f}" for f in _SUMS)},
            adjustment_count = excluded.adjustment_count,
            adjustment_total_amount = excluded.adjustment_total_amount,
            adjustment_fund_paid = excluded.adjustment_fund_paid,
            built_at = excluded.built_at
        WHERE {c}.status = %(draft)s
    """
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)
