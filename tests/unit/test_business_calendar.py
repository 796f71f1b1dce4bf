"""Business-hours calendars: working time added and measured across weekends, holidays and both daylight-saving
changes; the rules a calendar must keep; and the properties that hold for any calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.staff.calendar import ALWAYS, BusinessCalendar, Weekday, WorkingHours

BERLIN = ZoneInfo("Europe/Berlin")
WORKDAYS = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)


def calendar(*hours: tuple[str, str], days: tuple[Weekday, ...] = WORKDAYS, zone: str = "Europe/Berlin",
             holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar(time_zone=zone, holidays=holidays, hours=tuple(
        WorkingHours(weekday=day, start=start, end=end) for day in days for start, end in hours)).checked()


OFFICE = calendar(("09:00", "12:00"), ("13:00", "17:00"))
"""Monday to Friday, 9 to 5 with an hour for lunch, Berlin time: seven working hours a day."""


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


class TestAddingWorkingTime:
    def test_time_within_a_day_skips_the_lunch_break(self) -> None:
        monday = date(2026, 3, 2)
        assert OFFICE.add(berlin(monday, 10), timedelta(hours=3)) == berlin(monday, 14)

    def test_a_case_opened_outside_business_hours_starts_its_clock_at_the_next_opening(self) -> None:
        tuesday = date(2026, 3, 3)
        opened_at_night = berlin(tuesday, 22, 30)
        assert OFFICE.add(opened_at_night, timedelta(hours=1)) == berlin(tuesday + timedelta(days=1), 10)
        assert OFFICE.add(berlin(tuesday, 6), timedelta(hours=1)) == berlin(tuesday, 10)

    def test_a_weekend_does_not_count(self) -> None:
        friday = date(2026, 3, 6)
        assert OFFICE.add(berlin(friday, 16), timedelta(hours=2)) == berlin(date(2026, 3, 9), 10)
        assert OFFICE.between(berlin(friday, 16), berlin(date(2026, 3, 9), 10)) == timedelta(hours=2)

    def test_a_holiday_does_not_count(self) -> None:
        christmas_eve, christmas = date(2026, 12, 24), date(2026, 12, 25)  # a Thursday and a Friday
        with_holiday = calendar(("09:00", "12:00"), ("13:00", "17:00"), holidays=(christmas,))
        assert with_holiday.add(berlin(christmas_eve, 16), timedelta(hours=2)) == berlin(date(2026, 12, 28), 10)
        assert OFFICE.add(berlin(christmas_eve, 16), timedelta(hours=2)) == berlin(christmas, 10)

    def test_no_working_time_at_all_is_the_start_itself(self) -> None:
        sunday = berlin(date(2026, 3, 8), 12)
        assert OFFICE.add(sunday, timedelta(0)) == sunday

    def test_the_always_calendar_is_plain_addition(self) -> None:
        start = datetime(2026, 3, 28, 23, 17, 5, 123, tzinfo=UTC)
        assert ALWAYS.add(start, timedelta(days=9, seconds=7)) == start + timedelta(days=9, seconds=7)


class TestDaylightSaving:
    """Europe/Berlin goes forward on 2026-03-29 (02:00 -> 03:00) and back on 2026-10-25 (03:00 -> 02:00)."""

    NIGHT = calendar(("01:00", "04:00"), days=tuple(Weekday))
    """A night shift 01:00-04:00 every day: three wall-clock hours."""

    def test_an_interval_across_the_spring_forward_gap_is_shorter(self) -> None:
        forward = date(2026, 3, 29)
        assert self.NIGHT.between(berlin(forward, 0), berlin(forward, 5)) == timedelta(hours=2)
        assert self.NIGHT.add(berlin(forward, 0), timedelta(hours=2)) == berlin(forward, 4)
        assert self.NIGHT.add(berlin(forward, 0), timedelta(hours=2, minutes=30)) == (
            berlin(forward + timedelta(days=1), 1, 30))

    def test_an_interval_across_the_fall_back_change_is_longer(self) -> None:
        back = date(2026, 10, 25)
        start = berlin(back, 0)
        assert self.NIGHT.between(start, berlin(back, 5)) == timedelta(hours=4)
        assert self.NIGHT.add(start, timedelta(hours=4)) == berlin(back, 4)
        assert self.NIGHT.add(start, timedelta(hours=3)).astimezone(UTC) == datetime(2026, 10, 25, 2, tzinfo=UTC)

    def test_a_wall_time_inside_the_gap_is_read_with_the_offset_before_it(self) -> None:
        """RFC 5545: 02:30 on the night the clocks go forward is 03:30 summer time."""
        forward = date(2026, 3, 29)
        gap = calendar(("02:30", "05:00"), days=(Weekday.SUNDAY,))
        assert gap.add(berlin(forward, 0), timedelta(minutes=1)) == berlin(forward, 3, 31)
        assert gap.between(berlin(forward, 0), berlin(forward, 6)) == timedelta(hours=1, minutes=30)

    def test_a_day_shift_keeps_its_length_across_both_changes(self) -> None:
        for change in (date(2026, 3, 27), date(2026, 10, 23)):  # the Fridays before
            start = berlin(change, 16)
            assert OFFICE.add(start, timedelta(hours=2)) == berlin(change + timedelta(days=3), 10)

    def test_24x7_in_a_zone_with_daylight_saving_is_plain_addition(self) -> None:
        always_berlin = calendar(("00:00", "24:00"), days=tuple(Weekday))
        start = berlin(date(2026, 3, 28), 12)
        assert always_berlin.add(start, timedelta(hours=24)) == start.astimezone(UTC) + timedelta(hours=24)
        assert always_berlin.add(start, timedelta(hours=24)) == berlin(date(2026, 3, 29), 13)


class TestPauses:
    def test_a_pause_across_a_weekend_freezes_the_working_time_left(self) -> None:
        """Due Monday 11:00 when it started Friday 10:00 with 8 working hours; waiting from Friday 15:00 to Monday
        09:30 freezes the 4 hours left, so it is due at 14:30 once the case resumes (after the lunch hour)."""
        friday, monday = date(2026, 3, 6), date(2026, 3, 9)
        due = OFFICE.add(berlin(friday, 10), timedelta(hours=8))
        assert due == berlin(monday, 11)
        left = OFFICE.between(berlin(friday, 15), due)
        assert left == timedelta(hours=4)
        assert OFFICE.add(berlin(monday, 9, 30), left) == berlin(monday, 14, 30)
        assert OFFICE.between(berlin(friday, 15), berlin(monday, 9, 30)) == timedelta(hours=2, minutes=30)


class TestTheRulesOfACalendar:
    def test_an_unknown_time_zone_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidValue, match=r"^time_zone: 'Mars/Olympus' is not an IANA time zone"):
            calendar(("09:00", "17:00"), zone="Mars/Olympus")

    def test_an_interval_ending_before_it_starts_is_refused_naming_it(self) -> None:
        with pytest.raises(InvalidValue, match=r"^hours\.0\.end: monday 17:00-09:00 ends before it starts"):
            calendar(("17:00", "09:00"), days=(Weekday.MONDAY,))

    def test_overlapping_intervals_of_a_day_are_refused(self) -> None:
        with pytest.raises(InvalidValue, match=r"^hours\.1: monday 12:00-14:00 overlaps 09:00-13:00"):
            calendar(("09:00", "13:00"), ("12:00", "14:00"), days=(Weekday.MONDAY,))

    def test_a_calendar_closed_all_week_is_refused(self) -> None:
        with pytest.raises(InvalidValue, match=r"^hours: no working hours on any day"):
            calendar()

    def test_midnight_only_ends_a_day(self) -> None:
        with pytest.raises(InvalidValue, match=r"^hours\.0\.start: 24:00 only ends a day"):
            calendar(("24:00", "24:00"), days=(Weekday.MONDAY,))

    def test_a_checked_calendar_keeps_its_intervals_and_holidays_in_order(self) -> None:
        checked = BusinessCalendar(hours=(
            WorkingHours(weekday=Weekday.FRIDAY, start="13:00", end="17:00"),
            WorkingHours(weekday=Weekday.MONDAY, start="09:00", end="12:00"),
            WorkingHours(weekday=Weekday.FRIDAY, start="09:00", end="12:00"),
        ), holidays=(date(2026, 12, 25), date(2026, 1, 1), date(2026, 12, 25))).checked()
        assert [(h.weekday, h.start) for h in checked.hours] == [
            (Weekday.MONDAY, "09:00"), (Weekday.FRIDAY, "09:00"), (Weekday.FRIDAY, "13:00")]
        assert checked.holidays == (date(2026, 1, 1), date(2026, 12, 25))


# -- properties -------------------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata"]
"""Lord Howe moves its clocks by half an hour; Santiago changes at midnight."""


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    """Any valid calendar: up to two intervals a day on a quarter-hour grid, some holidays."""
    hours = []
    for day in Weekday:
        marks = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        pairs = list(zip(marks[::2], marks[1::2], strict=False))
        hours += [WorkingHours(weekday=day, start=_wall(start), end=_wall(end)) for start, end in pairs]
    if not hours:
        hours = [WorkingHours(weekday=draw(st.sampled_from(list(Weekday))), start="10:00", end="11:00")]
    holidays = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=5))
    return BusinessCalendar(time_zone=draw(st.sampled_from(ZONES)), hours=tuple(hours),
                            holidays=tuple(holidays)).checked()


def _wall(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),  # noqa: DTZ001
                       timezones=st.just(UTC))
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))


@settings(max_examples=200, deadline=None)
@given(calendars(), MOMENTS, DURATIONS)
def test_the_working_time_between_a_start_and_the_time_added_to_it_is_what_was_added(
        cal: BusinessCalendar, start: datetime, business: timedelta) -> None:
    assert cal.between(start, cal.add(start, business)) == business


@settings(max_examples=200, deadline=None)
@given(calendars(), MOMENTS, MOMENTS, DURATIONS, DURATIONS)
def test_adding_is_monotone_in_the_start_and_the_time_added(
        cal: BusinessCalendar, first: datetime, second: datetime, shorter: timedelta, longer: timedelta) -> None:
    first, second = sorted((first, second))
    shorter, longer = sorted((shorter, longer))
    assert cal.add(first, shorter) <= cal.add(first, longer)
    assert cal.add(first, shorter) <= cal.add(second, shorter)
    assert cal.add(first, shorter) >= first


@settings(max_examples=100, deadline=None)
@given(MOMENTS, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
       st.sampled_from(ZONES))
def test_a_24x7_calendar_in_any_zone_is_plain_addition(start: datetime, duration: timedelta, zone: str) -> None:
    always = calendar(("00:00", "24:00"), days=tuple(Weekday), zone=zone)
    assert always.add(start, duration) == start + duration == ALWAYS.add(start, duration)
    assert always.between(start, start + duration) == duration
