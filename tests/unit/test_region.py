"""Regions and their staff: who may take cases and escalations."""

from __future__ import annotations

import pytest

from domain.errors import (
    CoordinatorNotRemovable,
    InvalidValue,
    StaffAlreadyInRegion,
    StaffInAnotherRegion,
    StaffNotInRegion,
)
from domain.staff.membership import Membership
from domain.staff.region import Region, StaffChange
from domain.values import Role
from tests.factories import ADMIN, ctx


def north() -> Region:
    region = Region.establish(ctx(ADMIN), "north", "North")
    region.appoint_coordinator(ctx(ADMIN), "coord-north", "Ana Novak")
    region.add_representative(ctx(ADMIN), "rep-north-1", "Mari Tamm")
    return region


def test_a_regions_id_is_derived_from_its_code() -> None:
    assert north().id == Region.id_for("north") != Region.id_for("south")


def test_staff_members_are_found_with_their_role_and_region() -> None:
    region = north()
    assert region.staff_member("rep-north-1").role is Role.REPRESENTATIVE
    assert region.staff_member("coord-north").role is Role.COORDINATOR
    assert region.staff_member("rep-north-1").region == "north"


def test_a_new_coordinator_replaces_the_old_one() -> None:
    region = north()
    region.appoint_coordinator(ctx(ADMIN), "coord-north-2", "Eva Kask")
    assert region.coordinator is not None and region.coordinator.id == "coord-north-2"


def test_a_staff_member_joins_once() -> None:
    with pytest.raises(StaffAlreadyInRegion):
        north().add_representative(ctx(ADMIN), "rep-north-1", "Mari Tamm")


def test_a_representative_cannot_also_be_the_coordinator() -> None:
    with pytest.raises(StaffAlreadyInRegion):
        north().appoint_coordinator(ctx(ADMIN), "rep-north-1", "Mari Tamm")


def test_a_representative_who_left_is_no_longer_staff() -> None:
    region = north()
    region.remove_representative(ctx(ADMIN), "rep-north-1")
    with pytest.raises(StaffNotInRegion, match="not on the staff of region north"):
        region.staff_member("rep-north-1")


def test_removing_someone_who_is_not_staff_is_refused() -> None:
    with pytest.raises(StaffNotInRegion):
        north().remove_representative(ctx(ADMIN), "rep-south-1")


def test_a_region_code_is_lower_case_letters_digits_and_dashes() -> None:
    with pytest.raises(InvalidValue, match=r"^code:"):
        Region.establish(ctx(ADMIN), "North Region", "North")


def test_a_coordinator_is_not_removed_but_replaced() -> None:
    with pytest.raises(CoordinatorNotRemovable, match="appoint another coordinator there first"):
        north().remove_representative(ctx(ADMIN), "coord-north")


def test_a_transfer_is_recorded_on_both_regions_with_where_they_went() -> None:
    region, south = north(), Region.establish(ctx(ADMIN), "south", "South")
    region.remove_representative(ctx(ADMIN), "rep-north-1", transferred_to="south")
    south.add_representative(ctx(ADMIN), "rep-north-1", "Mari Tamm", transferred_from="north")
    assert "rep-north-1" not in region.representatives and south.staff_member("rep-north-1").region == "south"
    assert region.pending_events[-1].transferred_to == "south"  # type: ignore[attr-defined]
    assert south.pending_events[-1].transferred_from == "north"  # type: ignore[attr-defined]


def test_a_transfer_to_the_same_region_is_refused() -> None:
    with pytest.raises(StaffAlreadyInRegion):
        north().remove_representative(ctx(ADMIN), "rep-north-1", transferred_to="north")


class TestMembership:
    """One person, one region: the membership record refuses a second region."""

    def test_a_person_is_placed_in_a_region_in_a_role(self) -> None:
        membership = Membership.register(ctx(ADMIN), "rep-north-1")
        membership.place(ctx(ADMIN), "north", Role.REPRESENTATIVE)
        assert (membership.region, membership.role) == ("north", Role.REPRESENTATIVE)
        assert membership.id == Membership.id_for("rep-north-1") != Membership.id_for("rep-north-2")

    def test_a_person_working_in_one_region_is_refused_by_another(self) -> None:
        membership = Membership.register(ctx(ADMIN), "rep-north-1")
        membership.place(ctx(ADMIN), "north", Role.REPRESENTATIVE)
        with pytest.raises(StaffInAnotherRegion, match=r"rep-north-1 works in region north.*transfer them"):
            membership.place(ctx(ADMIN), "south", Role.COORDINATOR)

    def test_a_coordinator_working_in_one_region_is_told_to_appoint_a_successor_not_to_transfer(self) -> None:
        membership = Membership.register(ctx(ADMIN), "coord-north")
        membership.place(ctx(ADMIN), "north", Role.COORDINATOR)
        with pytest.raises(StaffInAnotherRegion, match="coord-north works in region north as its") as refused:
            membership.place(ctx(ADMIN), "south", Role.COORDINATOR)
        assert "appoint a successor in north first" in str(refused.value)
        assert "transfer them" not in str(refused.value)

    def test_a_released_person_may_be_placed_anywhere(self) -> None:
        membership = Membership.register(ctx(ADMIN), "rep-north-1")
        membership.place(ctx(ADMIN), "north", Role.REPRESENTATIVE)
        membership.release(ctx(ADMIN), "north", StaffChange.REPRESENTATIVE_REMOVED)
        membership.place(ctx(ADMIN), "south", Role.COORDINATOR)
        assert (membership.region, membership.role) == ("south", Role.COORDINATOR)

    def test_releasing_from_a_region_they_do_not_work_in_records_nothing(self) -> None:
        membership = Membership.register(ctx(ADMIN), "rep-north-1")
        membership.place(ctx(ADMIN), "north", Role.REPRESENTATIVE)
        membership.release(ctx(ADMIN), "south", StaffChange.REPRESENTATIVE_REMOVED)
        assert membership.region == "north" and membership.version == 2
