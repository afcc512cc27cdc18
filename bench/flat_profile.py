"""Where one poll's time goes at a given store size: fills a database through the feed poller as
``flat_cost_bench.py`` does (kept in ``--keep`` to start from next time), then times one more
poll, with the wall time of every SQL statement (by its text) and a pyinstrument profile of the
loop's thread. A development tool for the flat-cost work: prints JSON and the profile as text.

    .venv/bin/python bench/flat_profile.py --size 3000 --keep /tmp/flat3k.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flat_cost_bench import Feeds, poll
from ingest_bench import serve
from newsgen import WORKLOAD
from pyinstrument import Profiler

from bot.app import build_app
from bot.config import FeedConfig, default_config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from bot.storage.sqlite import SQLiteEngine
from bot.text.pool import Job

SQL: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def timed(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(self: SQLiteEngine, sql: str, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return await method(self, sql, *args)
        finally:
            entry = SQL[" ".join(sql.split())[:110]]
            entry[0] += time.perf_counter() - start
            entry[1] += 1
    return wrapper


async def run(size: int, batch: int, keep: Path | None, start_from: Path | None
              ) -> dict[str, object]:
    feeds = Feeds(batch // 2)
    runner, port = await serve(feeds.body)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in ("de", "en")]
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "flat.db"
        if start_from is not None:
            shutil.copy(start_from, database)
        base = default_config()
        config = replace(base, feeds=tuple(FeedConfig(u) for u in urls),
                         storage=replace(base.storage, database=database),
                         fetch=replace(base.fetch, allow_private_networks=True, full_text=False))
        app = await build_app(config, clock=feeds)  # type: ignore[arg-type]
        fetcher = HttpFetcher(config.fetch)
        try:
            stored = await app.storage.items.count()
            feeds.batch = stored // batch
            poller = FeedPoller.from_app(app, fetcher)
            while stored < size:
                stored += await poll(poller, feeds)
            if keep is not None:
                await app.storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copy(database, keep)
            for name in ("execute", "execute_many", "fetch_all"):
                setattr(SQLiteEngine, name, timed(getattr(SQLiteEngine, name)))
            await app.ingest.pool.analyze([Job("Die Ministerin sagte, es sei gut.", "de")])
            workers = app.ingest.pool.worker_pids()
            worker_cpu = sum(cpu_s(pid) for pid in workers)
            own_cpu = time.process_time()
            profiler = Profiler(interval=0.002)
            start = time.perf_counter()
            with profiler:
                new = await poll(poller, feeds)
            poll_s = time.perf_counter() - start
            own_cpu = time.process_time() - own_cpu
            worker_cpu = sum(cpu_s(pid) for pid in workers) - worker_cpu
        finally:
            await fetcher.close()
            await app.close()
    await runner.cleanup()
    print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
    top = sorted(SQL.items(), key=lambda kv: -kv[1][0])[:15]
    return {"workload": WORKLOAD, "stored_before": stored, "poll_items": new, "poll_s": round(poll_s, 2),
            "bot_process_cpu_s": round(own_cpu, 2), "analysis_processes_cpu_s": round(worker_cpu, 2),
            "sql_s": round(sum(v[0] for v in SQL.values()), 2),
            "sql_top": [{"sql": k, "s": round(v[0], 3), "calls": v[1]} for k, v in top]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    start_from = args.keep if args.keep is not None and args.keep.exists() else None
    print(json.dumps(asyncio.run(run(args.size, args.batch, args.keep, start_from)), indent=2))


if __name__ == "__main__":
    main()
