"""One-time sign-in codes, in the store's database: once, before they expire, by any process."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.sign_in_codes import Grant, SignInCodes
from adapters.view_store import open_view_store
from api.bootstrap import migrate
from api.settings import Settings
from tests.conftest import Backend
from tests.factories import NOW

NORTH = Grant("coord-north", "coordinator", "north")


@pytest.fixture
def store_settings(tmp_path: Path, backend: Backend) -> Settings:
    settings = backend.settings(tmp_path / "data")
    migrate(settings)
    return settings


@pytest.fixture
def codes(store_settings: Settings) -> Iterator[SignInCodes]:
    store = open_view_store(store_settings.database)
    yield SignInCodes(store)
    store.close()


class TestACode:
    def test_signs_in_its_grant_once(self, codes: SignInCodes) -> None:
        code = codes.issue(NORTH, NOW, timedelta(minutes=15))
        assert codes.redeem(code, NOW + timedelta(minutes=1)) == NORTH
        assert codes.redeem(code, NOW + timedelta(minutes=2)) is None

    def test_is_refused_once_expired(self, codes: SignInCodes) -> None:
        code = codes.issue(NORTH, NOW, timedelta(minutes=15))
        assert codes.redeem(code, NOW + timedelta(minutes=15)) is None

    def test_is_stored_only_as_its_hash(self, codes: SignInCodes, store_settings: Settings) -> None:
        code = codes.issue(NORTH, NOW, timedelta(minutes=15))
        with codes.store.reader() as view:
            stored = view.select("SELECT * FROM sign_in_codes")
        assert stored and all(code not in str(value) for row in stored for value in row.values())

    def test_an_unknown_code_signs_in_no_one(self, codes: SignInCodes) -> None:
        codes.issue(NORTH, NOW, timedelta(minutes=15))
        assert codes.redeem("not-a-code-anyone-was-given", NOW) is None


def test_a_code_issued_by_one_process_is_redeemed_by_another_exactly_once(store_settings: Settings) -> None:
    # the CLI issues, two server processes race to redeem: each its own connection to the same database
    issuer, *servers = (open_view_store(store_settings.database) for _ in range(3))
    try:
        code = SignInCodes(issuer).issue(NORTH, NOW, timedelta(minutes=15))
        with ThreadPoolExecutor(2) as pool:
            grants = list(pool.map(lambda store: SignInCodes(store).redeem(code, NOW), servers))
        assert sorted(grants, key=lambda grant: grant is None) == [NORTH, None]
    finally:
        for store in (issuer, *servers):
            store.close()
