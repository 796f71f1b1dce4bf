"""Regions and their staff: who may take cases and escalations."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, StaffAlreadyInRegion, StaffNotInRegion
from domain.region import Region
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
