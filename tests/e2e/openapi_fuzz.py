"""`make fuzz`: schemathesis against the published OpenAPI document of a served demo store.

Serves a seeded demo store (a temporary data directory, or the database `CASELEDGER_DATABASE_URL`
names) on a free loopback port, issues an administrator's and the north coordinator's token with
`caseledger token issue`, and runs `schemathesis run` once per token on every operation with
positive and negative data. Any 5xx, response outside its schema, undocumented status code or
content type fails the run. `python -m tests.e2e.openapi_fuzz --help` for the sizes."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import CASELEDGER, start_server, stop_server

__all__ = ["CHECKS", "PRINCIPALS", "FuzzResult", "fuzz", "main"]

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance",
          "content_type_conformance")
PRINCIPALS = {
    "administrator": ["--role", "admin", "--subject", "fuzz-admin"],
    "coordinator (north)": ["--role", "coordinator", "--region", "north", "--subject", "coord-north"],
}


@dataclass
class FuzzResult:
    """One schemathesis run as one principal: how much it sent and what failed."""

    principal: str
    exit_code: int
    requests: int = 0
    operations: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failures and not self.errors

    def summary(self) -> str:
        line = (f"{self.principal}: {self.requests} requests over {self.operations} operations, "
                f"{sum(f['count'] for f in self.failures)} failures, {len(self.errors)} errors")
        details = [f"  FAIL {f['title']} x{f['count']}: {', '.join(f['operations'][:5])}" for f in self.failures]
        details += [f"  ERROR {e['title']} x{e['count']}" for e in self.errors]
        return "\n".join([line, *details])


def fuzz(env: dict[str, str], workdir: Path, *, max_examples: int, cases: int, seed: int | None = None,
         phases: str = "examples,coverage,fuzzing,stateful", quiet: bool = False) -> list[FuzzResult]:
    """Seed `cases` demo cases into the store `env` names, serve it, and fuzz it as each principal."""
    env = {"CASELEDGER_TOKEN_SECRET": secrets.token_urlsafe(32), **env}
    subprocess.run([CASELEDGER, "demo", "--cases", str(cases)], env=env, check=True, capture_output=True)
    process, base = start_server(env, workdir / "server.log")
    try:
        tokens = {principal: _token(env, arguments) for principal, arguments in PRINCIPALS.items()}
        config = _config(base, tokens["administrator"], workdir)
        options = ["--max-examples", str(max_examples), "--phases", phases,
                   *(["--seed", str(seed)] if seed is not None else [])]
        return [_run(base, principal, token, config, workdir, options, quiet) for principal, token in tokens.items()]
    finally:
        stop_server(process)


def _token(env: dict[str, str], arguments: list[str]) -> str:
    issued = subprocess.run([CASELEDGER, "token", "issue", *arguments], env=env, check=True, capture_output=True,
                            text=True)
    return issued.stdout.strip()


def _config(base: str, admin_token: str, workdir: Path) -> Path:
    """A schemathesis config that draws most record ids from the demo's records (of both regions), so commands
    meet real records in every status rather than only 404s."""
    lines: list[str] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30) as client:
        for kind in ("cases", "providers", "contracts"):
            ids = [item["id"] for region in ("north", "south") for item in _listed(client, kind, region)]
            lines += [f"[dictionaries.{kind}]", f"values = {json.dumps(ids)}", "",
                      "[[operations]]", f'include-path-regex = "^/{kind}/"',
                      f'parameters = {{ "path.record_id" = {{ dictionary = "{kind}", probability = 0.8 }} }}', ""]
    config = workdir / "schemathesis.toml"
    config.write_text("\n".join(lines))
    return config


def _listed(client: httpx.Client, kind: str, region: str) -> list[dict[str, Any]]:
    page = client.get(f"/{kind}", params={"region": region, "limit": 25})
    page.raise_for_status()
    body = page.json()
    return list(body["items"] if isinstance(body, dict) else body)


def _run(base: str, principal: str, token: str, config: Path, workdir: Path, options: list[str], quiet: bool
         ) -> FuzzResult:
    report = workdir / f"{principal.split()[0]}.json"
    command = [SCHEMATHESIS, "--config-file", str(config), "run", f"{base}/openapi.json",
               "--checks", ",".join(CHECKS), "--mode", "all", *options, "--header", f"Authorization: Bearer {token}",
               "--generation-database", "none", "--request-timeout", "30", "--no-color",
               "--report", "json", "--report-json-path", str(report), "--report-dir", str(workdir)]
    finished = subprocess.run(command, capture_output=quiet, text=True, cwd=workdir)
    if not report.exists():
        output = (finished.stdout or "") + (finished.stderr or "")
        return FuzzResult(principal, finished.returncode or 1, errors=[{"title": output[-2000:], "count": 1}])
    document = json.loads(report.read_text())
    return FuzzResult(principal, finished.returncode, requests=document["test_cases"]["generated"],
                      operations=(document["operations"] or {}).get("tested", 0),
                      failures=document["failures"], errors=document["errors"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=15, help="test cases per operation and phase")
    parser.add_argument("--cases", type=int, default=60, help="demo cases to seed first")
    parser.add_argument("--seed", type=int, default=None, help="schemathesis's seed, to repeat a run")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful", help="schemathesis's phases")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="caseledger-fuzz-") as temporary:
        workdir = Path(temporary)
        env = {**os.environ, "CASELEDGER_DATA_DIR": str(workdir / "data")}
        results = fuzz(env, workdir, max_examples=args.max_examples, cases=args.cases, seed=args.seed,
                       phases=args.phases)
    print("\nfuzz summary (checks: " + ", ".join(CHECKS) + ")")
    for result in results:
        print(result.summary())
    passed = all(result.ok for result in results)
    print("PASSED: no 5xx, no response outside its schema, no undocumented status" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
