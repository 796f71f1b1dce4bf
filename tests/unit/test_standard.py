"""The SLA lookup: a region's adopted standards in force when a case opened set its targets, else the default."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

from domain.casework.case_events import Category
from domain.casework.sla import SLA_POLICY, Priority, sla_target
from domain.policy.standard import Standard, in_force
from domain.staff.region import Region
from tests.factories import ADMIN, COORDINATOR, NOW, TODAY, ctx

EFFECTIVE = TODAY + timedelta(days=7)
AFTER = NOW + timedelta(days=8)


def standard(decision_id: str = "d1", categories: tuple[str, ...] = ("billing",), effective_on: date = EFFECTIVE,
             first: int | None = 2, resolution: int | None = None) -> Standard:
    return Standard(meeting_id=uuid4(), decision_id=decision_id, text="Answer billing within two hours",
                    categories=list(categories), effective_on=effective_on, first_response_hours=first,
                    resolution_hours=resolution)


def target(opened_at: datetime, *standards: Standard, category: str = "billing",
           priority: Priority = Priority.LOW) -> tuple[timedelta, timedelta]:
    found = sla_target(priority, category, opened_at, standards)
    return found.first_response, found.resolution


class TestTheDefault:
    def test_without_standards_the_policy_of_the_priority_applies(self) -> None:
        for priority in Priority:
            default = SLA_POLICY[priority]
            assert target(NOW, priority=priority) == (default.first_response, default.resolution)

    def test_a_case_opened_before_the_effective_date_keeps_the_default(self) -> None:
        low = SLA_POLICY[Priority.LOW]
        assert target(NOW, standard()) == (low.first_response, low.resolution)

    def test_another_category_keeps_the_default(self) -> None:
        assert target(AFTER, standard(), category="service_outage")[0] == SLA_POLICY[Priority.LOW].first_response


class TestStandardsInForce:
    def test_a_case_opened_on_the_effective_day_gets_the_standard(self) -> None:
        opened = datetime.combine(EFFECTIVE, datetime.min.time(), NOW.tzinfo)
        assert target(opened, standard())[0] == timedelta(hours=2)
        assert target(opened - timedelta(microseconds=1), standard())[0] == SLA_POLICY[Priority.LOW].first_response

    def test_a_standard_sets_only_the_measures_it_names(self) -> None:
        first, resolution = target(AFTER, standard(first=2))
        assert first == timedelta(hours=2) and resolution == SLA_POLICY[Priority.LOW].resolution
        first, resolution = target(AFTER, standard(first=None, resolution=30))
        assert first == SLA_POLICY[Priority.LOW].first_response and resolution == timedelta(hours=30)

    def test_a_standard_without_categories_covers_every_category(self) -> None:
        assert target(AFTER, standard(categories=()), category=Category.COMPLAINT)[0] == timedelta(hours=2)

    def test_the_latest_effective_standard_wins_per_measure(self) -> None:
        earlier = standard("early", effective_on=TODAY, first=6, resolution=40)
        later = standard("late", effective_on=EFFECTIVE, first=3)
        # adopted in either order, the later effective date wins the first response; resolution stays from the other
        assert target(AFTER, earlier, later) == target(AFTER, later, earlier) == (timedelta(hours=3),
                                                                                   timedelta(hours=40))
        assert target(NOW, earlier, later) == (timedelta(hours=6), timedelta(hours=40))

    def test_of_two_standards_effective_the_same_day_the_last_adopted_wins(self) -> None:
        assert target(AFTER, standard("a", first=5), standard("b", first=4))[0] == timedelta(hours=4)

    def test_in_force_lists_the_standards_effective_on_the_day(self) -> None:
        held = [standard("now", effective_on=TODAY), standard("later")]
        assert [s.decision_id for s in in_force(held, NOW)] == ["now"]


class TestARegionHoldsItsStandards:
    def test_an_adopted_standard_is_kept_on_the_region_in_order(self) -> None:
        region = Region.establish(ctx(ADMIN), "north", "North")
        region.adopt_standard(ctx(COORDINATOR), standard("a"))
        region.adopt_standard(ctx(COORDINATOR), standard("b"))
        assert [s.decision_id for s in region.standards] == ["a", "b"]
        assert region.pending_events[-1].type_name == "StandardAdopted"
