"""A throw-away PostgreSQL database per test, on the server named by BRIEFBOT_TEST_POSTGRES_URL.

``.ci/run`` starts a cluster (scripts/pg_cluster.sh) and sets the variable. Without it the
PostgreSQL side of a test is skipped with one line saying how to enable it, except under
``CI=true``, where it fails: CI must never pass by skipping.

``BRIEFBOT_TEST_BACKEND=postgresql`` runs the whole suite's app fixtures on PostgreSQL (``.ci/run``
does so in a second pass); the storage tests run on both backends in every pass.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_VARIABLE = "BRIEFBOT_TEST_POSTGRES_URL"
BACKEND_VARIABLE = "BRIEFBOT_TEST_BACKEND"
HOW_TO = (f"PostgreSQL tests not run: set {URL_VARIABLE}=postgresql://postgres@127.0.0.1:PORT/"
          "postgres (scripts/pg_cluster.sh start DIR prints one) or run .ci/run")


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    on_postgres = callspec is not None and callspec.params.get("database_target") == "postgresql"
    return on_postgres or item.get_closest_marker("postgres") is not None


def select_tests(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a server (and not in CI) the PostgreSQL tests are deselected, and
    :func:`summary_line` says so once; on the PostgreSQL pass, SQLite-only tests are skipped."""
    if whole_suite_on_postgres():
        skip = pytest.mark.skip(reason="SQLite file behaviour; this pass runs on PostgreSQL")
        for item in items:
            if item.get_closest_marker("sqlite_only"):
                item.add_marker(skip)
        return
    if os.environ.get(URL_VARIABLE, "").strip() or os.environ.get("CI", "").lower() == "true":
        return
    left_out = [item for item in items if _needs_postgres(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_postgres(item)]
        config.stash[_LEFT_OUT] = len(left_out)


_LEFT_OUT = pytest.StashKey[int]()


def summary_line(config: pytest.Config) -> str | None:
    count = config.stash.get(_LEFT_OUT, 0)
    return f"{count} {HOW_TO}" if count else None


def server_url() -> str:
    """The test server's admin URL; skips (or under CI=true fails) when there is none."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{URL_VARIABLE} is not set, and CI=true: PostgreSQL tests must run in CI "
                    "(.ci/run starts a cluster)")
    pytest.skip(HOW_TO)


def whole_suite_on_postgres() -> bool:
    return os.environ.get(BACKEND_VARIABLE, "sqlite").lower() == "postgresql"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def _in_thread(coro_factory: object) -> None:
    """Run a coroutine to the end on a loop of its own (callers may be inside a running loop)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro_factory())  # type: ignore[operator]
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped afterwards."""
    admin = server_url()
    name = "briefbot_t_" + uuid.uuid4().hex[:12]
    _in_thread(lambda: _admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(admin, name)
    finally:
        _in_thread(lambda: _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
