"""PostgreSQL against SQLite in the same run: ingest items/s and command p50/p99 (printed as JSON).

The same N generated articles (``commands_bench.article``: the English claim fixtures, varied) are
ingested through the real app into a fresh SQLite file and into a fresh PostgreSQL database, then
each command of ``commands_bench.COMMANDS`` is answered R times through ``app.router.handle`` on
each (after one warm-up). Figures are ratios PostgreSQL / SQLite; both run in this process, one
after the other, on the same machine (shared: absolute numbers are noisy, ratios less so).

The server: BRIEFBOT_TEST_POSTGRES_URL if set (a fresh database is made in it), else a throw-away
cluster started and stopped here with scripts/pg_cluster.sh --durable (fsync on, as SQLite's
commits are durable too; PostgreSQL must be installed). Before either is measured, a warm-up
ingest into a scratch SQLite file loads what the text pipeline loads once per process, so the
first backend measured does not pay for it.

    .venv/bin/python bench/postgres_bench.py [--items 300] [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import asyncpg  # noqa: E402
from commands_bench import COMMANDS, STEP, StepClock, article  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.config import default_config  # noqa: E402
from bot.model import User  # noqa: E402
from bot.storage.postgres_sql import mask_url  # noqa: E402


@contextmanager
def postgres_server() -> Iterator[str]:
    """An admin URL: the tests' server if set, else a cluster of our own for this run."""
    given = os.environ.get("BRIEFBOT_TEST_POSTGRES_URL", "").strip()
    if given:
        yield given
        return
    folder = tempfile.mkdtemp(prefix="briefbot-bench-pg.")
    script = str(ROOT / "scripts" / "pg_cluster.sh")
    try:
        url = subprocess.run([script, "start", folder, "--durable"], check=True, capture_output=True,
                             text=True).stdout.strip()
        yield url
    finally:
        subprocess.run([script, "stop", folder], check=False)


async def fresh_database(admin: str) -> str:
    name = "briefbot_bench_" + uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin.rsplit("/", 1)[0] + "/" + name


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(url: str | None, folder: Path, items: int, runs: int) -> dict[str, object]:
    base = default_config()
    config = dataclasses.replace(base, storage=dataclasses.replace(
        base.storage, database=folder / "bench.db", url=url))
    clock = StepClock(datetime(2025, 1, 27, 6, 0, tzinfo=UTC))
    app = await build_app(config, clock=clock)
    try:
        source = await app.storage.sources.ensure("feed", "https://example.org/feed", "bench",
                                                  clock.now())
        start = time.perf_counter()
        for i in range(items):
            clock.current += STEP
            await app.ingest.ingest_article(source, article(i))
        ingest_s = time.perf_counter() - start
        user = User(id="bench", name="bench", is_admin=True)
        commands: dict[str, object] = {}
        for line in COMMANDS:
            request = app.router.parse_text(line, user=user, platform="console", channel=None)
            await app.router.handle(request)  # warm-up
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                reply = await app.router.handle(request)
                times.append((time.perf_counter() - began) * 1000)
                if reply.is_error:
                    raise RuntimeError(f"{line}: {reply.title}")
            commands[line] = {"p50_ms": round(statistics.median(times), 2),
                              "p99_ms": round(percentile(times, 0.99), 2)}
        return {"backend": app.storage.db.description, "ingest_items_per_s":
                round(items / ingest_s, 2), "ingest_s": round(ingest_s, 1), "commands": commands}
    finally:
        await app.close()


def ratios(postgres: dict[str, object], sqlite: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {"ingest_items_per_s": round(
        float(postgres["ingest_items_per_s"]) / float(sqlite["ingest_items_per_s"]), 3)}  # type: ignore[arg-type]
    pg_commands, lite_commands = postgres["commands"], sqlite["commands"]
    for line in COMMANDS:
        pg, lite = pg_commands[line], lite_commands[line]  # type: ignore[index]
        out[line] = {key: round(pg[key] / lite[key], 2) for key in ("p50_ms", "p99_ms")}
    return out


async def run(items: int, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as admin:
        (Path(tmp) / "warm").mkdir()
        await measure(None, Path(tmp) / "warm", 20, 1)
        sqlite = await measure(None, Path(tmp), items, runs)
        postgres = await measure(await fresh_database(admin), Path(tmp), items, runs)
    return {
        "items": items, "runs_per_command": runs,
        "server": mask_url(admin.rsplit("/", 1)[0]),
        "note": "same process, one backend after the other, on a shared 2-core machine",
        "sqlite": sqlite, "postgresql": postgres,
        "postgresql_over_sqlite": ratios(postgres, sqlite),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.items, args.runs)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
