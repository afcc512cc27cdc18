"""Storage tests run on both backends: ``database_target`` is an SQLite file or, beside it, a fresh
PostgreSQL database (skipped with one line without BRIEFBOT_TEST_POSTGRES_URL; a failure under
CI=true)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage import Storage
from tests.storage.pg import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    if request.param == "sqlite":
        yield tmp_path / "storage.db"
        return
    with fresh_database() as url:
        yield url


@pytest.fixture
async def storage(database_target: Path | str) -> AsyncIterator[Storage]:
    opened = await Storage.open(database_target)
    try:
        yield opened
    finally:
        await opened.close()
