"""Working days in mainland China: statutory holidays and the weekend days made working days (调休).

A ticket's time limit of N working days ends at the close (23:59:59, Asia/Shanghai) of the N-th working
day after the calendar day on which it reached its holder: landing on a Friday with N = 1 gives the end of
the next Monday; landing on 2025-09-30 with N = 1 gives the end of Saturday 2025-10-11 (国庆 runs
10-01..10-08, and 10-11 is a working Saturday).

``chinese_calendar`` carries the State Council's schedule only for the years it was published for
(raising NotImplementedError beyond them); for such years we fall back to plain Monday–Friday until the
package is updated.
"""
import datetime as dt
import functools
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = dt.time(23, 59, 59)


@functools.lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day (holidays off, adjusted weekends on; Mon–Fri for unknown years)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day strictly after ``day`` (n ≥ 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    current, counted = day, 0
    while counted < n:
        current += dt.timedelta(days=1)
        if is_workday(current):
            counted += 1
    return current


def add_working_days(start: dt.datetime, n: int) -> dt.datetime:
    """The due time ``n`` working days after ``start``: the end of that day in China time (aware)."""
    local_day = start.astimezone(CHINA).date() if start.tzinfo else start.date()
    due_day = nth_working_day_after(local_day, n)
    return dt.datetime.combine(due_day, END_OF_DAY, tzinfo=CHINA)
