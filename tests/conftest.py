"""Shared fixtures: a controllable clock, a config on a temporary database, a built app."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.config import Config, default_config
from tests.storage.pg import fresh_database, select_tests, summary_line, whole_suite_on_postgres

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_FILE = SEEDS / "000_642439005ccd8e9b.txt"
DATA = Path(__file__).resolve().parent / "data"

# Tests never talk to a proxy (slack-sdk honours these and ignores NO_PROXY).
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)
# nor to a real database a developer's shell names (tests/storage/pg.py gives each its own)
os.environ.pop("BRIEFBOT_DATABASE_URL", None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: tests SQLite file behaviour (locks, bad files); "
                            "skipped when the suite runs on PostgreSQL")
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL test server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    select_tests(config, items)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    line = summary_line(config)
    if line:
        terminalreporter.write_line(line)


class FixedClock:
    """A clock tests move by hand; never waits on wall time."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2025, 1, 28, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Config]:
    """On a fresh SQLite file, or with BRIEFBOT_TEST_BACKEND=postgresql on a fresh PostgreSQL
    database (``tests/storage/pg.py``)."""
    base = default_config()
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database()) if whole_suite_on_postgres() else None
        yield dataclasses.replace(
            base,
            storage=dataclasses.replace(base.storage, database=tmp_path / "briefbot.db", url=url),
            seeds=dataclasses.replace(base.seeds, directory=SEEDS),
        )


@pytest.fixture
async def app(config: Config, clock: FixedClock) -> AsyncIterator[App]:
    application = await build_app(config, clock=clock)
    try:
        yield application
    finally:
        await application.close()


@pytest.fixture
async def seeded_app(app: App) -> App:
    await app.ingest.ingest_seeds(app.config.seeds.directory)
    return app
