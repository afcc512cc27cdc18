"""``migrate-db``: the seed database and a 1,000-item database copied to PostgreSQL with every
claim id and delivery record, and a second run that adds nothing."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import build_app
from bot.config import Config
from bot.storage.migrate_db import copy_database, report_lines
from bot.storage.postgres import PostgresEngine
from bot.storage.schema import MIGRATIONS
from tests.conftest import SEEDS, FixedClock
from tests.e2e.conftest import briefbot, clean_env, one_clean_error
from tests.storage.pg import fresh_database, server_url

pytestmark = pytest.mark.postgres


async def _seed_database(config: Config, clock: FixedClock) -> Path:
    """The seed article ingested by the real app into the SQLite file (also when the suite runs
    on PostgreSQL), plus two delivery records."""
    config = dataclasses.replace(config, storage=dataclasses.replace(config.storage, url=None))
    app = await build_app(config, clock=clock)
    try:
        await app.ingest.ingest_seeds(config.seeds.directory)
    finally:
        await app.close()
    path = Path(config.storage.database)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO deliveries (subscription_id, slot, state, attempts, message_id, "
            "claimed_at, finished_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
            [("cfg:a", "2025-01-27", "sent", "m-1", "2025-01-27T08:00:00+00:00",
              "2025-01-27T08:00:01+00:00"),
             ("cfg:a", "2025-01-28", "failed", None, "2025-01-28T08:00:00+00:00",
              "2025-01-28T08:00:09+00:00")])
    return path


def _grow_to(path: Path, items: int) -> None:
    """Copies of the seed item, each with its own key and title and its own copies of three of
    the seed's claims (ids made from the copy's number), and one delivery record per copy: a
    database of ``items`` items filled in well under a second, with every table populated."""
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(items)") if r[1] != "id"]
        original = conn.execute("SELECT id FROM items ORDER BY id LIMIT 1").fetchone()[0]
        claims = [r[0] for r in conn.execute(
            "SELECT claim_id FROM claim_mentions WHERE item_id = ? ORDER BY position LIMIT 3",
            (original,))]
        claim_columns = [r[1] for r in conn.execute("PRAGMA table_info(claims)") if r[1] != "id"]
        mention_columns = [r[1] for r in conn.execute("PRAGMA table_info(claim_mentions)")
                           if r[1] not in ("claim_id", "item_id")]
        have = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        for number in range(items - have):
            picked = ", ".join("key || ? " if c == "key" else "title || ?" if c == "title" else c
                               for c in columns)
            cursor = conn.execute(
                f"INSERT INTO items ({', '.join(columns)}) SELECT {picked} FROM items WHERE id = ?",
                (f"-copy{number}", f" ({number})", original))
            item_id = cursor.lastrowid
            for claim in claims:
                new_id = f"g{number:05d}{claim[6:]}"
                conn.execute(f"INSERT INTO claims (id, {', '.join(claim_columns)}) "
                             f"SELECT ?, {', '.join(claim_columns)} FROM claims WHERE id = ?",
                             (new_id, claim))
                conn.execute(f"INSERT INTO claim_mentions (claim_id, item_id, "
                             f"{', '.join(mention_columns)}) SELECT ?, ?, "
                             f"{', '.join(mention_columns)} FROM claim_mentions "
                             "WHERE claim_id = ? AND item_id = ?",
                             (new_id, item_id, claim, original))
            conn.execute("INSERT INTO deliveries (subscription_id, slot, state, attempts, "
                         "message_id, claimed_at) VALUES ('cfg:b', ?, 'sent', 1, ?, ?)",
                         (f"slot-{number:05d}", f"m{number}", "2025-01-28T08:00:00+00:00"))


def _ids(path: Path, sql: str) -> set[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return {tuple(r) for r in conn.execute(sql)}


async def _check_copy(path: Path) -> None:
    claim_ids = _ids(path, "SELECT id FROM claims")
    deliveries = _ids(path, "SELECT subscription_id, slot, state, message_id FROM deliveries")
    with fresh_database() as url:
        first = await copy_database(path, url)
        assert first.problems == ()
        assert first.added == sum(t.rows for t in first.tables) > 0
        assert first.claim_ids == len(claim_ids) and first.deliveries == len(deliveries)
        engine = await PostgresEngine.open(url)
        try:
            assert {tuple(r) for r in await engine.fetch_all("SELECT id FROM claims")} == claim_ids
            assert {tuple(r) for r in await engine.fetch_all(
                "SELECT subscription_id, slot, state, message_id FROM deliveries")} == deliveries
            # the identity sequence continues after the copied ids
            new = await engine.fetch_one(
                "INSERT INTO sources (kind, url, name, created_at) VALUES ('feed', ?, '', ?) "
                "RETURNING id", ("http://127.0.0.1/after-copy", "2025-01-28T00:00:00+00:00"))
            top = await engine.fetch_one("SELECT MAX(id) FROM sources WHERE url <> ?",
                                         ("http://127.0.0.1/after-copy",))
            assert new is not None and top is not None and new[0] > top[0]
            await engine.execute("DELETE FROM sources WHERE url = ?", ("http://127.0.0.1/after-copy",))
        finally:
            await engine.close()
        second = await copy_database(path, url)
        assert second.problems == () and second.added == 0
        assert report_lines(second)[-1] == \
            "added 0 rows: PostgreSQL already held everything (nothing to do)"


async def test_the_seed_database_is_copied_and_a_rerun_adds_nothing(
        config: Config, clock: FixedClock) -> None:
    path = await _seed_database(config, clock)
    await _check_copy(path)


async def test_a_thousand_item_database_keeps_every_claim_id(
        config: Config, clock: FixedClock) -> None:
    path = await _seed_database(config, clock)
    _grow_to(path, 1000)
    assert len(_ids(path, "SELECT id FROM items")) == 1000
    assert len(_ids(path, "SELECT id FROM claims")) > 2000
    await _check_copy(path)


async def test_a_copy_into_a_database_in_use_fails_verification(
        config: Config, clock: FixedClock) -> None:
    path = await _seed_database(config, clock)
    with fresh_database() as url:
        engine = await PostgresEngine.open(url)
        try:
            await engine.execute("INSERT INTO meta (key, value) VALUES ('other', 'bot')")
        finally:
            await engine.close()
        report = await copy_database(path, url)
    assert any(p.startswith("meta: ") for p in report.problems)
    assert report_lines(report)[-1].startswith("verification failed: meta: ")


def test_cli_check_and_migrate_db_never_show_the_password(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "config.toml").write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    env = clean_env()
    env.pop("BRIEFBOT_DATABASE_URL", None)
    assert briefbot(tmp_path, "ingest", "--once", env=env).returncode == 0
    with fresh_database() as url:
        secret = url.replace("://postgres@", "://postgres:hunter2@")  # trust login ignores it
        first = briefbot(tmp_path, "migrate-db", "--to", secret, env=env)
        assert first.returncode == 0, first.stderr
        assert "verified: row counts equal" in first.stdout and "copied " in first.stdout
        again = briefbot(tmp_path, "migrate-db", "--to", secret, env=env)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[-1] == \
            "added 0 rows: PostgreSQL already held everything (nothing to do)"
        on_postgres = {**env, "BRIEFBOT_DATABASE_URL": secret}
        check = briefbot(tmp_path, "check", env=on_postgres)
        assert check.returncode == 0, check.stderr
        name = url.rsplit("/", 1)[1]
        assert "  database: PostgreSQL postgres@127.0.0.1:" in check.stdout
        assert f"/{name} (schema {len(MIGRATIONS)}, writable)" in check.stdout
        claims = briefbot(tmp_path, "claims", "--json", env=on_postgres)
        lite = briefbot(tmp_path, "claims", "--json", env=env)
        assert claims.returncode == 0 and json.loads(claims.stdout) == json.loads(lite.stdout)
        for result in (first, again, check, claims):
            assert "hunter2" not in result.stdout + result.stderr
    sqlite_check = briefbot(tmp_path, "check", env=env)
    assert f"SQLite {tmp_path / 'briefbot-data' / 'briefbot.db'} (schema {len(MIGRATIONS)}, " \
        "writable)" in sqlite_check.stdout


def test_cli_wrong_password_is_one_line_and_masked(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    parts = urlsplit(server_url())
    env = {**clean_env(), "BRIEFBOT_DATABASE_URL":
           f"postgresql://briefbot_pw:hunter2@{parts.hostname}:{parts.port}/postgres"}
    result = briefbot(tmp_path, "check", env=env)
    assert result.returncode == 3
    line = one_clean_error(result)
    assert line.startswith("briefbot: storage error: PostgreSQL briefbot_pw@127.0.0.1:")
    assert "authentication failed" in line and "hunter2" not in result.stderr + result.stdout
