"""A session cookie is not a bearer token, nor the reverse; it ends when it says; forms need their secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Request, Response

from api.auth import InvalidToken, Principal, issue_token, read_token
from api.web import csrf
from api.web.session import COOKIE, read_session, start_session
from domain.values import Role

SECRET = "unit-test-secret-of-at-least-32-bytes!"
NORTH = Principal(subject="coord-north", role=Role.COORDINATOR, region="north")


def request(cookies: dict[str, str] | None = None, scheme: str = "http") -> Request:
    header = "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())
    return Request({"type": "http", "method": "GET", "path": "/", "scheme": scheme, "query_string": b"",
                    "headers": [(b"cookie", header.encode())] if header else [], "server": ("127.0.0.1", 80)})


def session_cookie(expires: datetime, scheme: str = "http") -> tuple[str, str]:
    response = Response()
    start_session(response, request(scheme=scheme), SECRET, NORTH, expires)
    header = response.headers["set-cookie"]
    return header.split(";")[0].split("=", 1)[1], header


class TestTheSessionCookie:
    def test_carries_the_principal_until_it_expires(self) -> None:
        value, _ = session_cookie(datetime.now(UTC) + timedelta(hours=1))
        session = read_session(request({COOKIE: value}), SECRET)
        assert session is not None and session.principal == NORTH and session.csrf

    def test_is_refused_once_expired(self) -> None:
        value, _ = session_cookie(datetime.now(UTC) - timedelta(seconds=1))
        assert read_session(request({COOKIE: value}), SECRET) is None

    def test_is_httponly_strict_and_secure_over_https(self) -> None:
        _, plain = session_cookie(datetime.now(UTC) + timedelta(hours=1))
        _, tls = session_cookie(datetime.now(UTC) + timedelta(hours=1), scheme="https")
        assert "httponly" in plain.lower() and "samesite=strict" in plain.lower() and "secure" not in plain.lower()
        assert "secure" in tls.lower()

    def test_is_no_bearer_token(self) -> None:
        value, _ = session_cookie(datetime.now(UTC) + timedelta(hours=1))
        with pytest.raises(InvalidToken):
            read_token(SECRET, value)

    def test_a_bearer_token_is_no_session(self) -> None:
        token = issue_token(SECRET, NORTH, timedelta(hours=1))
        assert read_session(request({COOKIE: token}), SECRET) is None

    def test_one_signed_with_another_secret_is_no_session(self) -> None:
        value, _ = session_cookie(datetime.now(UTC) + timedelta(hours=1))
        assert read_session(request({COOKIE: value}), SECRET + "x") is None


class TestAFormsSecret:
    @pytest.mark.parametrize("given", [None, "", "another"])
    def test_a_missing_or_wrong_one_is_refused(self, given: str | None) -> None:
        with pytest.raises(csrf.CsrfRefused):
            csrf.check("expected-secret", given)

    def test_the_same_one_passes(self) -> None:
        csrf.check("expected-secret", "expected-secret")

    def test_the_sign_in_forms_secret_is_kept_by_the_browser(self) -> None:
        first = csrf.pre_session_secret(request())
        response = Response()
        csrf.remember(request(), response, first)
        assert first in response.headers["set-cookie"] and "samesite=strict" in response.headers["set-cookie"].lower()
        assert csrf.pre_session_secret(request({csrf.PRE_SESSION_COOKIE: first})) == first
