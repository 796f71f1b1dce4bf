"""Who may change a region's records: its current staff (in the role they hold) and administrators,
checked by the command service on every command, against the event store's state."""

from __future__ import annotations

import pytest

from domain.application import CaseLedger
from domain.case_events import Channel
from domain.errors import NotOnStaff, ReferenceMismatch
from domain.provider import ProviderKind
from domain.values import Actor, Role
from tests.factories import ADMIN, COORDINATOR, REP

LEAVER = Actor(id="rep-north-4", role=Role.REPRESENTATIVE)


def open_case(ledger: CaseLedger, actor: Actor, region: str = "north") -> object:
    return ledger.open_case(ledger.context(actor), region=region, channel=Channel.PHONE, customer_ref="cust-7",
                            subject="Charged twice", description="Same charge twice")


class TestOnlyCurrentStaffWrite:
    def test_a_removed_representative_can_no_longer_add_notes_or_open_cases(self, ledger: CaseLedger) -> None:
        ledger.add_representative(ledger.context(ADMIN), "north", "rep-north-4", "Ott Kask")
        case = open_case(ledger, LEAVER).id  # type: ignore[attr-defined]
        ledger.add_note(ledger.context(LEAVER), case, "On it")
        ledger.remove_representative(ledger.context(ADMIN), "north", "rep-north-4")
        with pytest.raises(NotOnStaff, match="rep-north-4 is not on the current staff of region north"):
            ledger.add_note(ledger.context(LEAVER), case, "Still here")
        with pytest.raises(NotOnStaff):
            open_case(ledger, LEAVER)
        assert ledger.history(case)[-1].type_name == "NoteAdded"

    @pytest.mark.parametrize("actor", [
        Actor(id="stranger", role=Role.REPRESENTATIVE),
        Actor(id="rep-north-1", role=Role.COORDINATOR),
        Actor(id="coord-north", role=Role.REPRESENTATIVE),
        Actor(id="auditor", role=Role.AUDITOR),
        Actor(id="rep-south-1", role=Role.REPRESENTATIVE),
    ], ids=["on-no-staff", "not-the-coordinator", "not-a-representative", "an-auditor", "another-region"])
    def test_someone_not_on_the_regions_staff_in_that_role_is_refused(self, ledger: CaseLedger,
                                                                      actor: Actor) -> None:
        case = open_case(ledger, REP).id  # type: ignore[attr-defined]
        with pytest.raises(NotOnStaff):
            ledger.add_note(ledger.context(actor), case, "x")
        with pytest.raises(NotOnStaff):
            ledger.prospect_provider(ledger.context(actor), name="Lab", kind=ProviderKind.LAB, region="north")

    def test_a_coordinator_who_was_replaced_is_refused_and_the_new_one_is_not(self, ledger: CaseLedger) -> None:
        case = open_case(ledger, COORDINATOR).id  # type: ignore[attr-defined]
        ledger.appoint_coordinator(ledger.context(ADMIN), "north", "coord-north-2", "Eva Saar")
        with pytest.raises(NotOnStaff, match="coord-north"):
            ledger.add_note(ledger.context(COORDINATOR), case, "x")
        ledger.add_note(ledger.context(Actor(id="coord-north-2", role=Role.COORDINATOR)), case, "Taking over")

    def test_administrators_and_the_system_write_in_every_region(self, ledger: CaseLedger) -> None:
        for actor in (ADMIN, Actor(id="sla-clock", role=Role.SYSTEM)):
            case = open_case(ledger, actor, region="south").id  # type: ignore[attr-defined]
            ledger.add_note(ledger.context(actor), case, "Checked")

    def test_only_administrators_change_a_regions_staff(self, ledger: CaseLedger) -> None:
        with pytest.raises(NotOnStaff):
            ledger.add_representative(ledger.context(COORDINATOR), "north", "rep-north-9", "Ott Kask")


class TestReferencesStayInTheRegion:
    def test_a_record_of_another_region_is_named_as_a_missing_one_would_be(self, ledger: CaseLedger) -> None:
        south = Actor(id="rep-south-1", role=Role.REPRESENTATIVE)
        provider = ledger.prospect_provider(ledger.context(south), name="Lab", kind=ProviderKind.LAB,
                                            region="south").id
        refusals = []
        for reference in (provider, ledger.new_id()):
            with pytest.raises(ReferenceMismatch) as refused:
                ledger.open_case(ledger.context(REP), region="north", channel=Channel.PHONE, customer_ref="c-1",
                                 subject="Bill", description="Twice", provider_id=reference)
            refusals.append(str(refused.value).replace(str(reference), "ID"))
        assert refusals[0] == refusals[1] and "south" not in refusals[0]
