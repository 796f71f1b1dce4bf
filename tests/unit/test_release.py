"""What a release carries: the licence it declares, one version everywhere, a changelog."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings

ROOT = Path(__file__).parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_licence_file_holds_the_licence_pyproject_declares() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text


class TestOneVersion:
    """pyproject.toml declares it; the installed metadata, the API and the CLI report that one."""

    def test_the_installed_package_has_the_declared_version(self) -> None:
        assert version("caseledger") == PROJECT["version"]

    def test_the_api_reports_it(self, tmp_path: Path) -> None:
        assert create_app(Settings(data_dir=tmp_path)).openapi()["info"]["version"] == PROJECT["version"]

    def test_the_cli_reports_it(self) -> None:
        result = CliRunner().invoke(cli, ["--version"])
        assert (result.exit_code, result.output) == (0, f"caseledger {PROJECT['version']}\n")

    def test_no_module_writes_it_again(self) -> None:
        literal = re.compile(rf"""["']{re.escape(PROJECT["version"])}["']""")
        repeated = [str(path.relative_to(ROOT)) for folder in ("domain", "projections", "adapters", "api")
                    for path in (ROOT / folder).rglob("*.py") if literal.search(path.read_text())]
        assert repeated == []


def test_the_changelog_lists_unreleased_changes_then_each_release() -> None:
    headings = re.findall(r"^## \[(.+?)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert PROJECT["version"] in headings
