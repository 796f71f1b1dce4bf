"""A region's time policy: what the engine does by itself when a case's time runs out.

Read when a case timer fires (`fire_case_timer`, domain/casework/case_commands.py), when a case starts waiting on
the customer and when its SLA clocks start (the at-risk point); set
by an administrator (`RegionTimePolicySet`). The defaults hold for a region that never set one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from domain.errors import InvalidValue
from domain.values import Frozen

__all__ = ["DEFAULT_TIME_POLICY", "GiveUpAction", "TimePolicy"]


class GiveUpAction(StrEnum):
    """What happens when the customer has not answered for `give_up_after_days`."""

    RESOLVE = "resolve"
    """The case is resolved as `no_customer_response` (unless a rule refuses: then only the timeout is recorded)."""
    ESCALATE = "escalate"
    """The case resumes and is escalated to the region's coordinator."""
    NONE = "none"
    """Only the timeout is recorded; the case keeps waiting."""


Days = Annotated[int, Field(strict=True, ge=1, le=366)]


class TimePolicy(Frozen):
    """Escalate on a breached SLA; warn when `at_risk_percent` of a clock's business time has elapsed; remind
    the customer after `reminder_after_days` of waiting, give up after `give_up_after_days` (calendar days)."""

    escalate_on_breach: Annotated[bool, Field(strict=True)] = True
    at_risk_percent: Annotated[int, Field(strict=True, ge=1, le=99)] = 80
    reminder_after_days: Days = 3
    give_up_after_days: Days = 7
    give_up_action: GiveUpAction = GiveUpAction.RESOLVE

    def checked(self) -> TimePolicy:
        """This policy, or `InvalidValue` naming the field: the reminder comes before giving up."""
        if self.reminder_after_days >= self.give_up_after_days:
            raise InvalidValue("reminder_after_days", f"{self.reminder_after_days} days is not before giving up "
                                                      f"after {self.give_up_after_days} days: remind the customer "
                                                      "first")
        return self


DEFAULT_TIME_POLICY = TimePolicy()
"""Every region's policy until an administrator sets one."""
