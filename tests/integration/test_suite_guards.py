"""The suite's own guards: a component it needs is never silently absent (outside CI its tests skip
with the reason, under CI the run fails at once with one line naming it), and no test can hang.
Each test runs pytest itself, as CI does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
NOWHERE = "/nonexistent/caseledger-test-bin"


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """pytest on a small selection, in a process of its own, with these environment variables."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


class TestUnderCI:
    def test_a_missing_postgresql_fails_the_run_in_one_line(self) -> None:
        result = pytest_run("tests/unit/test_region.py", CI="true", CASELEDGER_TEST_POSTGRES_BIN=NOWHERE)
        assert result.returncode != 0
        (line,) = lines(result)
        assert "PostgreSQL server binaries (initdb, pg_ctl) not found" in line and NOWHERE in line
        assert "Kafka" not in line

    def test_a_missing_kafka_broker_fails_the_run_in_one_line(self) -> None:
        result = pytest_run("tests/unit/test_region.py", CI="true", CALF_TANSU_BIN=NOWHERE)
        assert result.returncode != 0
        (line,) = lines(result)
        assert "the Kafka test broker (Tansu) is missing" in line and NOWHERE in line
        assert "PostgreSQL" not in line

    @pytest.mark.parametrize(("variable", "what"), [("CASELEDGER_TEST_POSTGRES_URL", "the PostgreSQL server"),
                                                    ("CASELEDGER_TEST_KAFKA_BOOTSTRAP", "the Kafka broker")])
    def test_an_external_server_that_does_not_answer_fails_the_run_in_one_line(self, variable: str, what: str
                                                                                ) -> None:
        address = "postgresql://x:y@127.0.0.1:1/db" if "POSTGRES" in variable else "127.0.0.1:1"
        result = pytest_run("tests/unit/test_region.py", CI="true", **{variable: address})
        assert result.returncode != 0
        (line,) = lines(result)
        assert f"{what} in {variable}" in line and "does not answer" in line

    def test_with_every_component_there_the_run_goes_ahead(self) -> None:
        result = pytest_run("tests/unit/test_region.py", "-q", CI="true")
        assert result.returncode == 0, result.stdout + result.stderr
        assert " passed" in lines(result)[-1]


def test_outside_ci_the_postgresql_runs_skip_with_the_reason() -> None:
    result = pytest_run("tests/integration/test_lifecycle_machines.py", "-k", "OnPostgres", "-q", "-ra",
                        CI="", CASELEDGER_TEST_POSTGRES_BIN=NOWHERE)
    assert result.returncode == 0, result.stdout + result.stderr
    skips = [line for line in lines(result) if line.startswith("SKIPPED")]
    assert skips and all("PostgreSQL server binaries (initdb, pg_ctl) not found" in line for line in skips)
    # every PostgreSQL machine skipped: none ran, none failed
    assert re.fullmatch(r"\d+ skipped, \d+ deselected in .*", lines(result)[-1]), lines(result)[-1]



class TestTimeouts:
    def test_a_hung_test_fails_as_a_timeout_instead_of_stalling_the_run(self, tmp_path: Path) -> None:
        (tmp_path / "test_hang.py").write_text("import time\n\ndef test_hangs():\n    time.sleep(3600)\n")
        result = pytest_run("-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), "-o", "timeout=2",
                            str(tmp_path / "test_hang.py"))
        assert result.returncode == 1
        assert "Timeout (>2.0s)" in result.stdout

    def test_every_test_runs_under_a_timeout(self, request: pytest.FixtureRequest) -> None:
        assert request.config.pluginmanager.hasplugin("timeout")
        assert float(request.config.getini("timeout")) > 0
