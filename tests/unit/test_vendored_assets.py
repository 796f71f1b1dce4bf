"""The front end's vendored files are exactly the npm releases `scripts/vendor-assets` pins and records."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FOLDERS = (ROOT / "api" / "web" / "static" / "vendor", ROOT / "tests" / "browser" / "vendor")
PINS = dict(re.findall(r'\("([\w.-]+)", "([\d.]+)", "[^"]+", "[^"]+", \w+\)', (ROOT / "scripts" / "vendor-assets")
                       .read_text()))
RECORDS = [(folder, entry) for folder in FOLDERS for entry in json.loads((folder / "VERSIONS.json").read_text())]
VERSION_MARKS = {"htmx.org": 'version:"{v}"', "chart.js": "Chart.js v{v}", "axe-core": "axe v{v}"}


def test_every_pinned_package_is_vendored_and_recorded() -> None:
    assert sorted(entry["package"] for _, entry in RECORDS) == sorted(PINS)


@pytest.mark.parametrize(("folder", "entry"), RECORDS, ids=[entry["package"] for _, entry in RECORDS])
class TestAVendoredFile:
    def test_is_the_recorded_bytes(self, folder: Path, entry: dict[str, str]) -> None:
        digest = hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{entry['file']} changed: run scripts/vendor-assets, never edit it"

    def test_is_the_pinned_release(self, folder: Path, entry: dict[str, str]) -> None:
        assert entry["version"] == PINS[entry["package"]]
        head = (folder / entry["file"]).read_text(encoding="utf-8", errors="replace")
        assert VERSION_MARKS[entry["package"]].format(v=entry["version"]) in head

    def test_ships_with_its_licence(self, folder: Path, entry: dict[str, str]) -> None:
        assert (folder / f"LICENSE.{entry['package']}").read_text().strip()
