"""The manager role and the staff changes over HTTP: a sample of docs/api.md's role table on a real server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from domain.values import Role
from tests.e2e.conftest import SECRET, headers

MANAGER = headers(Role.MANAGER, subject="mgr-1")
REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
ADMIN = headers(Role.ADMIN)
CASELEDGER = str(Path(sys.executable).parent / "caseledger")


def new_case(client: httpx.Client, assign_to: str | None = None) -> str:
    case: str = client.post("/cases", json={"region": "north", "channel": "web", "customer_ref": "c-1",
                                            "subject": "Outage", "description": "No line"}, headers=REP).json()["id"]
    client.post(f"/cases/{case}/triage", json={"category": "service_outage", "priority": "high"},
                headers=REP).raise_for_status()
    if assign_to:
        client.post(f"/cases/{case}/assign", json={"representative_id": assign_to}, headers=REP).raise_for_status()
    return case


def test_a_manager_token_is_issued_without_a_region(tmp_path: Path) -> None:
    env = {"CASELEDGER_DATA_DIR": str(tmp_path), "CASELEDGER_TOKEN_SECRET": SECRET, "PATH": ""}
    issued = subprocess.run([CASELEDGER, "token", "issue", "--role", "manager", "--subject", "mgr-1"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert issued.returncode == 0, issued.stderr
    refused = subprocess.run([CASELEDGER, "token", "issue", "--role", "manager", "--region", "north"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "has no region" in refused.stdout + refused.stderr


def test_a_manager_reads_every_region(client: httpx.Client) -> None:
    case = new_case(client)
    assert {r["code"] for r in client.get("/regions", headers=MANAGER).json()} >= {"north", "south"}
    for region in ("north", "south"):
        assert client.get(f"/regions/{region}/dashboard", headers=MANAGER).status_code == 200
    assert client.get(f"/cases/{case}", headers=MANAGER).status_code == 200
    assert client.get("/cases", params={"region": "south"}, headers=MANAGER).status_code == 200


def test_a_manager_runs_network_level_commands_only(client: httpx.Client) -> None:
    case = new_case(client)
    refused = client.post(f"/cases/{case}/add-note", json={"text": "Looking"}, headers=MANAGER)
    assert refused.status_code == 403 and "a manager may only terminate providers" in refused.json()["detail"]
    created = client.post("/cases", json={"region": "north", "channel": "web", "customer_ref": "c-1",
                                          "subject": "Outage", "description": "No line"}, headers=MANAGER)
    assert created.status_code == 403 and created.json()["type"].endswith(":network-level-only")
    provider = client.post("/providers", json={"name": "Hill Lab", "kind": "lab", "region": "north"},
                           headers=REP).json()["id"]
    # past every guard to the provider's own rules: a prospect is not terminated (a member would be)
    terminated = client.post(f"/providers/{provider}/terminate", json={"reason": "Left"}, headers=MANAGER)
    assert terminated.status_code == 409 and terminated.json()["type"].endswith(":transition-refused")
    assert client.post("/regions/north/reopen-window", json={"days": 10}, headers=MANAGER).status_code == 403


def test_removing_a_representative_returns_their_cases_to_the_queue(client: httpx.Client) -> None:
    client.post("/regions/north/representatives", json={"staff_id": "rep-north-7", "name": "Ott Kask"},
                headers=ADMIN).raise_for_status()
    case = new_case(client, assign_to="rep-north-7")
    removed = client.post("/regions/north/representatives/rep-north-7/remove", headers=ADMIN)
    assert removed.status_code == 200
    queue = client.get("/cases", params={"status": "triaged", "min_position": removed.json()["position"]},
                       headers=REP).json()["items"]
    assert {(row["id"], row["assignee"]) for row in queue} >= {(case, None)}


def test_a_transfer_and_the_reopen_window_are_administrators_commands(client: httpx.Client) -> None:
    client.post("/regions/north/representatives", json={"staff_id": "rep-north-8", "name": "Eva Saar"},
                headers=ADMIN).raise_for_status()
    twice = client.post("/regions/south/representatives", json={"staff_id": "rep-north-8", "name": "Eva Saar"},
                        headers=ADMIN)
    assert twice.status_code == 409 and twice.json()["type"].endswith(":staff-in-another-region")
    moved = client.post("/regions/north/representatives/rep-north-8/transfer", json={"to_region": "south"},
                        headers=ADMIN)
    assert moved.status_code == 200, moved.text
    staff = client.get("/regions", params={"min_position": moved.json()["position"]}, headers=ADMIN).json()
    south = next(region for region in staff if region["code"] == "south")
    assert "rep-north-8" in {member["staff_id"] for member in south["staff"]}
    assert client.post("/regions/north/reopen-window", json={"days": 10}, headers=ADMIN).status_code == 200
    assert client.post("/regions/north/reopen-window", json={"days": -1}, headers=ADMIN).status_code == 422
