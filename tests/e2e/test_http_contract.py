"""The HTTP contract: conditional and idempotent commands, problem details, limits, tokens."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from api.auth import Principal, issue_token, read_token
from domain.values import Role
from tests.e2e.conftest import CASELEDGER, SECRET, headers

REP = headers(Role.REPRESENTATIVE, "north", "rep-north-1")
CASE = {"region": "north", "channel": "email", "customer_ref": "c-77", "subject": "Outage",
        "description": "No line since Monday"}


def open_case(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/cases", json=CASE, headers=REP)
    assert response.status_code == 201
    return response.json()


class TestConditionalCommands:
    def test_two_concurrent_commands_with_the_same_if_match_one_wins(self, client: httpx.Client) -> None:
        case = open_case(client)
        url = f"/cases/{case['id']}/add-note"
        for _ in range(5):
            version = client.get(f"/cases/{case['id']}", headers=REP).headers["ETag"].strip('"')
            with ThreadPoolExecutor(2) as pool:
                statuses = sorted(pool.map(_note, [str(client.base_url)] * 2, [url] * 2, [version] * 2))
            assert statuses == [200, 412], statuses
        assert client.get(f"/cases/{case['id']}", headers=REP).json()["notes_added"] == 5

    def test_a_stale_version_is_412_naming_the_current_one(self, client: httpx.Client) -> None:
        case = open_case(client)
        response = client.post(f"/cases/{case['id']}/add-note", json={"text": "x"}, headers={**REP, "If-Match": "7"})
        assert response.status_code == 412
        assert response.json()["detail"].endswith("is at version 1, not 7: reload it and try again")

    def test_an_if_match_that_is_not_a_version_is_422(self, client: httpx.Client) -> None:
        case = open_case(client)
        response = client.post(f"/cases/{case['id']}/add-note", json={"text": "x"}, headers={**REP, "If-Match": "*x"})
        assert (response.status_code, response.json()["field"]) == (422, "If-Match")


def _note(base_url: str, url: str, version: str) -> int:
    """One client's conditional command, on its own connection."""
    with httpx.Client(base_url=base_url, timeout=30) as own:
        return own.post(url, json={"text": "a note"}, headers={**REP, "If-Match": f'"{version}"'}).status_code


class TestCreation:
    def test_creation_is_201_with_a_location_and_an_etag(self, client: httpx.Client) -> None:
        response = client.post("/cases", json=CASE, headers=REP)
        assert response.status_code == 201
        body = response.json()
        assert response.headers["Location"] == f"/cases/{body['id']}"
        assert response.headers["ETag"] == '"1"' and body["version"] == 1 and body["position"] > 0

    def test_a_retried_creation_with_an_idempotency_key_returns_the_first_result(self, client: httpx.Client) -> None:
        key = {**REP, "Idempotency-Key": "open-case-7f3a"}
        first = client.post("/cases", json=CASE, headers=key)
        again = client.post("/cases", json=CASE, headers=key)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
        other = client.post("/cases", json=CASE, headers={**REP, "Idempotency-Key": "another"})
        assert other.json()["id"] != first.json()["id"]

    def test_concurrent_retries_with_one_idempotency_key_create_one_record(self, client: httpx.Client) -> None:
        def create(_: int) -> tuple[int, str]:
            with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
                response = own.post("/cases", json=CASE, headers={**REP, "Idempotency-Key": "race-42"})
                return response.status_code, response.json()["id"]

        with ThreadPoolExecutor(4) as pool:
            results = set(pool.map(create, range(4)))
        assert len(results) == 1 and next(iter(results))[0] == 201

    def test_the_same_key_for_another_kind_of_record_is_another_record(self, client: httpx.Client) -> None:
        key = {**REP, "Idempotency-Key": "shared-key"}
        case = client.post("/cases", json=CASE, headers=key).json()
        provider = client.post("/providers", json={"name": "Lab", "kind": "lab", "region": "north"}, headers=key)
        assert provider.status_code == 201 and provider.json()["id"] != case["id"]


class TestProblems:
    def test_a_bad_value_is_422_naming_the_field(self, client: httpx.Client) -> None:
        response = client.post("/cases", json={**CASE, "channel": "pigeon"}, headers=REP)
        problem = response.json()
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert problem["field"] == "body.channel" and problem["type"] == "urn:caseledger:problem:invalid-request"

    def test_a_value_the_domain_refuses_is_422_naming_the_field(self, client: httpx.Client) -> None:
        response = client.post("/cases", json={**CASE, "subject": "   "}, headers=REP)
        assert (response.status_code, response.json()["field"]) == (422, "body.subject")  # as the schema says

    def test_a_command_the_state_refuses_is_409_with_a_stable_type(self, client: httpx.Client) -> None:
        case = open_case(client)
        response = client.post(f"/cases/{case['id']}/close", json={}, headers=REP)
        assert response.status_code == 409
        assert response.json()["type"] == "urn:caseledger:problem:transition-refused"
        assert "cannot close case" in response.json()["detail"]

    def test_an_unknown_record_is_404(self, client: httpx.Client) -> None:
        response = client.get(f"/cases/{'0' * 32}", headers=REP)
        assert response.status_code == 404 and response.json()["type"].endswith("record-not-found")

    def test_an_unknown_field_is_422(self, client: httpx.Client) -> None:
        response = client.post("/cases", json={**CASE, "priority": "high"}, headers=REP)
        assert (response.status_code, response.json()["field"]) == (422, "body.priority")

    def test_an_oversized_body_is_413(self, client: httpx.Client) -> None:
        response = client.post("/cases", json={**CASE, "description": "x" * 100_000}, headers=REP)
        assert response.status_code == 413 and response.json()["type"].endswith("body-too-large")

    def test_a_refused_command_writes_nothing(self, client: httpx.Client) -> None:
        case = open_case(client)
        client.post(f"/cases/{case['id']}/resolve", json={"resolution_code": "fixed", "summary": "x"}, headers=REP)
        assert client.get(f"/cases/{case['id']}", headers=REP).json()["version"] == 1


class TestTokens:
    def test_an_expired_token_is_401(self, client: httpx.Client) -> None:
        old = issue_token(SECRET, Principal(subject="rep-north-1", role=Role.REPRESENTATIVE, region="north"),
                          timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=2))
        response = client.get("/cases", headers={"Authorization": f"Bearer {old}"})
        assert response.status_code == 401 and "expired" in response.json()["detail"]
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_a_forged_token_is_401(self, client: httpx.Client) -> None:
        claims = {"sub": "x", "role": "admin", "exp": datetime.now(UTC) + timedelta(hours=1)}
        forged = jwt.encode(claims, "a-guessed-secret-of-thirty-two-bytes!")
        assert client.get("/cases", headers={"Authorization": f"Bearer {forged}"}).status_code == 401

    def test_the_cli_issues_a_token_the_server_accepts(self, tmp_path: Path) -> None:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(tmp_path), "CASELEDGER_TOKEN_SECRET": SECRET}
        issued = subprocess.run([CASELEDGER, "token", "issue", "--role", "coordinator", "--region", "north",
                                 "--subject", "coord-north"], env=env, capture_output=True, text=True, check=True)
        principal = read_token(SECRET, issued.stdout.strip())
        assert (principal.subject, principal.role, principal.region) == ("coord-north", Role.COORDINATOR, "north")

    def test_a_regional_token_without_a_region_is_refused_in_one_line(self, tmp_path: Path) -> None:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(tmp_path)}
        result = subprocess.run([CASELEDGER, "token", "issue", "--role", "representative"], env=env,
                                capture_output=True, text=True)
        assert result.returncode == 1 and "needs a region" in result.stderr and "Traceback" not in result.stderr

    def test_a_secret_is_generated_into_the_data_directory_once(self, tmp_path: Path) -> None:
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(tmp_path)}
        env.pop("CASELEDGER_TOKEN_SECRET", None)
        subprocess.run([CASELEDGER, "token", "issue", "--role", "admin"], env=env, check=True, capture_output=True)
        secret = (tmp_path / "token.secret").read_text()
        subprocess.run([CASELEDGER, "token", "issue", "--role", "admin"], env=env, check=True, capture_output=True)
        assert (tmp_path / "token.secret").read_text() == secret and oct((tmp_path / "token.secret").stat().st_mode
                                                                          )[-3:] == "600"


def test_reads_wait_for_the_read_models_to_reach_a_commands_position(client: httpx.Client) -> None:
    case = open_case(client)
    seen, cursor = set(), None
    while True:  # the first read names the command's position; every page after it sees the new case
        params = {"min_position": case["position"], "limit": 200, "sort": "age", "status": "new"}
        queue = client.get("/cases", params={**params, **({"cursor": cursor} if cursor else {})}, headers=REP).json()
        seen |= {item["id"] for item in queue["items"]}
        if (cursor := queue["next_cursor"]) is None:
            break
    assert case["id"] in seen
    beyond = client.get("/cases", params={"min_position": 10**9}, headers=REP)
    assert (beyond.status_code, beyond.json()["field"]) == (422, "min_position")


def test_a_nul_character_in_a_query_is_refused_with_a_problem(client: httpx.Client) -> None:
    """Found by the fuzz test on PostgreSQL, which refuses NUL in text parameters."""
    response = client.get("/cases?assignee=rep%00x", headers=headers(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["type"] == "urn:caseledger:problem:invalid-request"
    assert "NUL" in response.json()["detail"]


class TestEveryInputGetsAProblemNamingIt:
    def test_an_if_match_of_digits_int_refuses_is_422_naming_if_match(self, client: httpx.Client) -> None:
        case = open_case(client)
        for tag in ('"²"'.encode("latin-1"), b'"' + b"7" * 5000 + b'"', b"1" * 40):
            response = client.post(f"/cases/{case['id']}/add-note", json={"text": "x"},
                                   headers=[(b"Authorization", REP["Authorization"].encode()), (b"If-Match", tag)])
            assert (response.status_code, response.json()["field"]) == (422, "If-Match"), tag[:20]

    def test_an_unparseable_body_is_422_naming_the_body(self, client: httpx.Client) -> None:
        for body in (b'{"region": "north",', b'{"region": "\xff"}'):  # cut short; not UTF-8
            response = client.post("/cases", content=body, headers={**REP, "Content-Type": "application/json"})
            problem = response.json()
            assert (response.status_code, problem["field"]) == (422, "body"), problem
            assert "not JSON" in problem["detail"] and problem["instance"] == "/cases"

    def test_a_nul_character_in_a_text_value_is_refused_naming_the_field(self, client: httpx.Client) -> None:
        """One rule on both backends: PostgreSQL cannot store NUL, so SQLite does not either."""
        response = client.post("/cases", json={**CASE, "subject": "Out\x00age"}, headers=REP)
        assert response.status_code == 422 and response.json()["field"].endswith("subject")
        case = open_case(client)
        response = client.post(f"/cases/{case['id']}/add-note", json={"text": "\x00"}, headers=REP)
        assert response.status_code == 422 and response.json()["field"].endswith("text")
        assert client.get(f"/cases/{case['id']}", headers=REP).json()["version"] == 1

    def test_a_large_body_sent_in_chunks_is_413(self, client: httpx.Client) -> None:
        def chunks() -> Iterator[bytes]:  # no Content-Length: the server learns the size as it reads
            yield b'{"region": "north", "description": "'
            for _ in range(160):
                yield b"x" * 65536
            yield b'"}'

        response = client.post("/cases", content=chunks(), headers={**REP, "Content-Type": "application/json"})
        assert response.status_code == 413 and response.json()["type"].endswith("body-too-large")

    def test_a_method_a_route_does_not_have_is_405_with_allow(self, client: httpx.Client) -> None:
        response = client.delete("/cases", headers=REP)
        assert response.status_code == 405
        allowed = set(response.headers["Allow"].split(", "))
        assert {"GET", "HEAD", "POST"} <= allowed and "DELETE" not in allowed
        assert response.json()["detail"].startswith("DELETE is not a method of /cases")

    @pytest.mark.parametrize("path", ["/health", "/cases", "/regions/north/dashboard"])
    def test_head_is_answered_wherever_get_is_with_its_headers_and_no_body(self, client: httpx.Client,
                                                                          path: str) -> None:
        got, head = client.get(path, headers=REP), client.head(path, headers=REP)
        assert (head.status_code, head.content) == (got.status_code, b"")
        assert head.headers["content-type"] == got.headers["content-type"]

    def test_every_problem_names_the_request_path_as_its_instance(self, client: httpx.Client) -> None:
        admin = headers(Role.ADMIN)
        answers = [client.post("/cases", content=b"x" * 100_000, headers=REP),
                   client.get("/cases?assignee=rep%00x", headers=admin), client.delete("/cases", headers=admin),
                   client.get("/nowhere", headers=admin)]
        assert [r.status_code for r in answers] == [413, 422, 405, 404]
        assert [r.json()["instance"] for r in answers] == ["/cases", "/cases", "/cases", "/nowhere"]
        assert {r.headers["content-type"] for r in answers} == {"application/problem+json"}


class TestTheDocumentSaysWhatTheServerEnforces:
    def test_the_text_rules_of_the_domain_are_in_the_request_schemas(self, client: httpx.Client) -> None:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        case, provider = schemas["CaseCreate"]["properties"], schemas["ProviderCreate"]["properties"]
        contract = schemas["ContractCreate"]["properties"]
        assert case["customer_ref"]["pattern"] == "^[a-z0-9][a-z0-9_.-]*$"
        staff = schemas["StaffMemberIn"]["properties"]
        for text in (case["subject"], case["description"], provider["name"], contract["title"], staff["name"]):
            assert text["minLength"] == 1 and text["pattern"]
        score = schemas["CaseRecordSurveyAnswer"]["properties"]["score"]
        assert (score["minimum"], score["maximum"]) == (1, 5)

    def test_a_blank_text_or_one_with_nul_is_outside_the_schema(self, client: httpx.Client) -> None:
        """The pattern asks for a character that is neither white space nor NUL, as the domain does."""
        subject = client.get("/openapi.json").json()["components"]["schemas"]["CaseCreate"]["properties"]["subject"]
        assert re.search(subject["pattern"], "  x ") and not re.search(subject["pattern"], " \t ")
        assert not re.search(subject["pattern"], "a\x00b")

    def test_every_route_that_needs_a_token_documents_401_and_403(self, client: httpx.Client) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        undocumented = [f"{method.upper()} {path}" for path, operations in paths.items() if path != "/health"
                        for method, operation in operations.items()
                        if not {"401", "403"} <= set(operation["responses"])]
        assert undocumented == []
