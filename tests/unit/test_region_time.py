"""A region's business-hours calendar and time policy: the defaults, what an administrator sets, what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidValue
from domain.staff.calendar import ALWAYS, BusinessCalendar, Weekday, WorkingHours
from domain.staff.region import Region, RegionCalendarSet, RegionTimePolicySet
from domain.staff.time_policy import GiveUpAction, TimePolicy
from tests.factories import ADMIN, ctx


def north() -> Region:
    return Region.establish(ctx(ADMIN), "north", "North")


def test_a_region_without_a_calendar_works_24x7_with_the_default_policy() -> None:
    region = north()
    assert region.calendar == ALWAYS
    assert region.time_policy == TimePolicy(escalate_on_breach=True, at_risk_percent=80, reminder_after_days=3,
                                            give_up_after_days=7, give_up_action=GiveUpAction.RESOLVE)


def test_a_calendar_is_recorded_in_order() -> None:
    region = north()
    region.set_calendar(ctx(ADMIN), BusinessCalendar(time_zone="Europe/Tallinn", holidays=(date(2026, 6, 24),), hours=(
        WorkingHours(weekday=Weekday.TUESDAY, start="09:00", end="17:00"),
        WorkingHours(weekday=Weekday.MONDAY, start="09:00", end="17:00"))))
    event = region.pending_events[-1]
    assert isinstance(event, RegionCalendarSet)
    assert [hours.weekday for hours in region.calendar.hours] == [Weekday.MONDAY, Weekday.TUESDAY]
    assert region.calendar.time_zone == "Europe/Tallinn" and region.calendar.holidays == (date(2026, 6, 24),)


def test_a_calendar_closed_all_week_is_refused_and_nothing_is_recorded() -> None:
    region = north()
    with pytest.raises(InvalidValue, match=r"^hours: no working hours"):
        region.set_calendar(ctx(ADMIN), BusinessCalendar(time_zone="Europe/Tallinn"))
    assert region.calendar == ALWAYS and len(region.pending_events) == 1


def test_a_policy_is_recorded() -> None:
    region = north()
    region.set_time_policy(ctx(ADMIN), TimePolicy(escalate_on_breach=False, give_up_action=GiveUpAction.ESCALATE))
    assert isinstance(region.pending_events[-1], RegionTimePolicySet)
    assert not region.time_policy.escalate_on_breach and region.time_policy.give_up_action is GiveUpAction.ESCALATE


@pytest.mark.parametrize(("remind", "give_up"), [(7, 7), (8, 7)])
def test_a_reminder_not_before_giving_up_is_refused_naming_the_field(remind: int, give_up: int) -> None:
    with pytest.raises(InvalidValue, match=r"^reminder_after_days: .* is not before giving up"):
        north().set_time_policy(ctx(ADMIN), TimePolicy(reminder_after_days=remind, give_up_after_days=give_up))
