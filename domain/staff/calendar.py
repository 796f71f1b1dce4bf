"""Business-hours calendars: when a region works, so that SLA clocks count working time only.

A calendar is an IANA time zone (read with the standard library's `zoneinfo`), working hours per weekday as
local wall times (`09:00`-`17:00`, several intervals a day allowed, none: closed that day, `24:00` for
midnight at the end of a day) and holidays (local dates, closed all day).

Daylight-saving changes. Working hours are wall-clock hours: each interval is read in local time and turned
into instants with the zone's rules, so it holds as much working time as really passes between its two wall
times. On the night the clocks go forward (02:00 -> 03:00) an interval 01:00-04:00 holds two hours; on the
night they go back (03:00 -> 02:00) it holds four. A wall time that does not exist (inside the forward gap)
is read as RFC 5545 (iCalendar) reads it, with the offset before the gap: 02:30 is the instant an hour later
on summer time, 03:30 (an interval ending inside the gap runs to that instant; one starting in it starts
there, and never before the end of the interval before it). A repeated wall time (when the clocks go back) is
its first occurrence. Holidays and weekdays are the local date's.

`ALWAYS` (24x7, UTC, no holidays) is every region's calendar until an administrator sets one: with it, adding
business time is plain addition, exactly the SLA arithmetic of before calendars existed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import Field, StringConstraints

from domain.errors import InvalidValue
from domain.values import Day, Frozen

__all__ = ["ALWAYS", "BusinessCalendar", "TimeZoneName", "WallTime", "Weekday", "WorkingHours"]

WallTime = Annotated[str, StringConstraints(pattern=r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
"""A local wall time `HH:MM`, from `00:00` to `24:00` (midnight at the end of the day, for an interval's end)."""

TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                                pattern=r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$")]
"""An IANA time zone name, such as `Europe/Tallinn`, `America/Argentina/Buenos_Aires` or `UTC`."""

MIDNIGHT = "24:00"


class Weekday(StrEnum):
    """In `date.weekday()` order: Monday first."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


WEEKDAYS = tuple(Weekday)


class WorkingHours(Frozen):
    """One working interval of a weekday, in local wall time: `end` after `start`, the same day."""

    weekday: Weekday
    start: WallTime
    end: WallTime


class BusinessCalendar(Frozen):
    """When a region works. Pure: `add` and `between` read no clock and no files but the zone's rules.

    The fields hold the shape only (so every published event stays readable); `checked()` applies the rules a
    calendar must keep before an administrator's command records it."""

    time_zone: TimeZoneName = "UTC"
    hours: tuple[WorkingHours, ...] = Field(default=(), max_length=7 * 24)
    holidays: tuple[Day, ...] = Field(default=(), max_length=3660)

    def checked(self) -> BusinessCalendar:
        """This calendar with its intervals and holidays in order, or `InvalidValue` naming the field: an unknown
        time zone, an interval that ends before it starts or overlaps another of its day, a week with no working
        hours at all (adding business time would never end)."""
        if not _known_zone(self.time_zone):
            raise InvalidValue("time_zone", f"{self.time_zone!r} is not an IANA time zone name (such as "
                                            "Europe/Tallinn, America/New_York or UTC)")
        for index, interval in enumerate(self.hours):
            if interval.start == MIDNIGHT:
                raise InvalidValue(f"hours.{index}.start", "24:00 only ends a day: start the interval at 00:00 "
                                                          "of the next weekday")
            if _minutes(interval.end) <= _minutes(interval.start):
                raise InvalidValue(f"hours.{index}.end", f"{interval.weekday} {interval.start}-{interval.end} ends "
                                                        "before it starts: an interval ends after its start, the "
                                                        "same day (24:00 for midnight)")
        ordered = sorted(self.hours, key=lambda h: (WEEKDAYS.index(h.weekday), _minutes(h.start)))
        for before, after in pairwise(ordered):
            if before.weekday == after.weekday and _minutes(after.start) < _minutes(before.end):
                raise InvalidValue(f"hours.{self.hours.index(after)}",
                                   f"{after.weekday} {after.start}-{after.end} overlaps {before.start}-{before.end}: "
                                   "join them into one interval")
        if not self.hours:
            raise InvalidValue("hours", "no working hours on any day: a calendar closed all week never reaches a "
                                        "due time; give at least one interval")
        return self.model_copy(update={"hours": tuple(ordered), "holidays": tuple(sorted(set(self.holidays)))})

    def add(self, start: datetime, business: timedelta) -> datetime:
        """The moment `business` working time has elapsed after `start`: a start outside working hours starts
        counting at the next opening; no business time at all is `start` itself."""
        if business <= timedelta(0):
            return start
        rules = _rules(self)
        zone, start = start.tzinfo, start.astimezone(UTC)  # elapsed time, not wall-clock arithmetic
        if rules.always:
            return (start + business).astimezone(zone)
        remaining = business
        days = _day_limit(rules, business)
        for opens, closes in _periods(rules, start, days):
            if closes <= start:
                continue
            opens = max(opens, start)
            if closes - opens >= remaining:
                return (opens + remaining).astimezone(zone)
            remaining -= closes - opens
        raise InvalidValue("calendar", f"{business} of working time is not reached within {days} days of "
                                       f"{start.date().isoformat()} on this calendar: give it more working hours or "
                                       "fewer holidays")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The working time in [a, b): zero when b is not after a."""
        a, b = a.astimezone(UTC), b.astimezone(UTC)  # elapsed time, not wall-clock arithmetic
        if b <= a:
            return timedelta(0)
        rules = _rules(self)
        if rules.always:
            return b - a
        total = timedelta(0)
        for opens, closes in _periods(rules, a, (b - a).days + 3):
            if opens >= b:
                break
            total += max(min(closes, b) - max(opens, a), timedelta(0))
        return total

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` falls in working hours."""
        return self.between(moment, moment + timedelta(microseconds=1)) > timedelta(0)


ALWAYS = BusinessCalendar(time_zone="UTC", hours=tuple(
    WorkingHours(weekday=day, start="00:00", end=MIDNIGHT) for day in WEEKDAYS))
"""Every region's calendar until an administrator sets one: 24x7, UTC, no holidays."""


@dataclass(frozen=True)
class _Rules:
    zone: ZoneInfo
    days: tuple[tuple[tuple[time, time | None], ...], ...]
    """Per weekday (Monday first), its intervals in order; an end of None is midnight at the end of the day."""
    holidays: frozenset[date]
    weekly: timedelta
    always: bool


@lru_cache(maxsize=256)
def _rules(calendar: BusinessCalendar) -> _Rules:
    """The calendar ready to compute with (cached: a calendar is a frozen, hashable value)."""
    try:
        zone = ZoneInfo(calendar.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue("time_zone", f"{calendar.time_zone!r} is not an IANA time zone name") from None
    days = tuple(
        tuple(sorted((_wall(h.start) or time(0), _wall(h.end)) for h in calendar.hours if h.weekday == day))
        for day in WEEKDAYS
    )
    weekly = sum((timedelta(minutes=_minutes(h.end) - _minutes(h.start)) for h in calendar.hours), timedelta(0))
    if weekly <= timedelta(0):
        raise InvalidValue("hours", "no working hours on any day: a calendar closed all week never reaches a due "
                                    "time")
    always = not calendar.holidays and all(_covers_day(intervals) for intervals in days)
    return _Rules(zone=zone, days=days, holidays=frozenset(calendar.holidays), weekly=weekly, always=always)


def _periods(rules: _Rules, start: datetime, days: int) -> Iterator[tuple[datetime, datetime]]:
    """The working periods as UTC instants, in order, from the local day before `start` on, for `days` days: each
    interval's wall times turned into instants by the zone's rules, clipped so no period starts before the end
    of the one before it (around a forward gap a later wall time can be an earlier instant)."""
    day = start.astimezone(rules.zone).date() - timedelta(days=1)
    floor = datetime.min.replace(tzinfo=UTC)
    for _ in range(days + 1):
        if day not in rules.holidays:
            for wall_start, wall_end in rules.days[day.weekday()]:
                opens = max(_instant(day, wall_start, rules.zone), floor)
                closes = (_instant(day + timedelta(days=1), time(0), rules.zone) if wall_end is None
                          else _instant(day, wall_end, rules.zone))
                if closes > opens:
                    yield opens, closes
                    floor = closes
        if day.year >= 8999:
            return
        day += timedelta(days=1)


def _day_limit(rules: _Rules, business: timedelta) -> int:
    """Enough local days to hold `business` working time, with room for daylight-saving changes and for holidays
    (each may close a whole working week, when a week has one working day)."""
    weeks = math.ceil(business / rules.weekly)
    return 7 * (len(rules.holidays) + 4 + 2 * weeks)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant (fold 0: RFC 5545's reading of a missing or repeated wall time)."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def _covers_day(intervals: tuple[tuple[time, time | None], ...]) -> bool:
    return len(intervals) == 1 and intervals[0] == (time(0), None)


def _wall(text: str) -> time | None:
    """`HH:MM` as a time; `24:00` as None (midnight at the end of the day)."""
    return None if text == MIDNIGHT else time(int(text[:2]), int(text[3:]))


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> bool:
    if name not in _zones() and name != "UTC":
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
