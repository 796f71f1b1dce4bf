"""A region's calendar and time policy over HTTP: set by an administrator, read by the region's staff, refused with
a problem naming the field; a case triaged afterwards shows its clocks on office hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from domain.values import Role
from tests.e2e.conftest import headers

ADMIN = headers(Role.ADMIN)
REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
OFFICE = {"time_zone": "Europe/Tallinn", "holidays": ["2026-06-24"],
          "hours": [{"weekday": day, "start": "09:00", "end": "17:00"}
                    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")]}


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_calendar_and_a_policy_are_set_and_read(client: httpx.Client) -> None:
    ok(client.put("/regions/north/calendar", json=OFFICE, headers=ADMIN))
    assert ok(client.get("/regions/north/calendar", headers=REP)) == OFFICE
    policy = ok(client.put("/regions/north/time-policy", json={"give_up_action": "escalate"}, headers=ADMIN))
    assert policy["version"] > 1
    assert ok(client.get("/regions/north/time-policy", headers=REP)) == {
        "escalate_on_breach": True, "at_risk_percent": 80, "reminder_after_days": 3, "give_up_after_days": 7,
        "give_up_action": "escalate"}
    case = ok(client.post("/cases", json={"region": "north", "channel": "web", "customer_ref": "c-1",
                                          "subject": "Outage", "description": "No line"}, headers=REP))
    ok(client.post(f"/cases/{case['id']}/triage", json={"category": "service_outage", "priority": "high"},
                   headers=REP))
    read = ok(client.get(f"/cases/{case['id']}", headers=REP))
    clocks = read["sla_clocks"]
    assert set(clocks) == {"first_response", "resolution"}
    due = datetime.fromisoformat(clocks["first_response"]["due_at"])
    assert due == datetime.fromisoformat(read["first_response_due"])
    local = due.astimezone(ZoneInfo("Europe/Tallinn"))
    assert local.weekday() < 5 and "09:00" < f"{local:%H:%M}" <= "17:00"  # within office hours


@pytest.mark.parametrize(("change", "field"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"hours": [{"weekday": "monday", "start": "17:00", "end": "09:00"}]}, "hours.0.end"),
    ({"hours": [{"weekday": "monday", "start": "09:00", "end": "13:00"},
                {"weekday": "monday", "start": "12:00", "end": "17:00"}]}, "hours.1"),
    ({"hours": []}, "hours"),
])
def test_a_broken_calendar_is_refused_naming_the_field(client: httpx.Client, change: dict[str, Any],
                                                       field: str) -> None:
    refused = client.put("/regions/south/calendar", json={**OFFICE, **change}, headers=ADMIN)
    assert (refused.status_code, refused.json()["field"]) == (422, field), refused.text
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_reminder_after_giving_up_is_refused_naming_the_field(client: httpx.Client) -> None:
    refused = client.put("/regions/south/time-policy", json={"reminder_after_days": 9}, headers=ADMIN)
    assert (refused.status_code, refused.json()["field"]) == (422, "reminder_after_days"), refused.text
