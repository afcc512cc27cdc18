"""Same output check for storage and ledger work: ingest the benches' feeds (``--items`` generated
items of bench/newsgen.py in polls of ``--batch``, through the real ``FeedPoller`` and text
pipeline, simulated clock) into a fresh database and print every table, row for row in stored
order (the feeds polled one after the other, the same jitter), as a digest per table (and the
rows themselves with ``--rows FILE``).

Run it on two versions of the code and compare: equal digests mean the same tables. With
``--postgres URL`` (a fresh, empty database) it runs on PostgreSQL;
stored order there is the ``ORDER BY`` of each table's key, and that of claim_disputes is by
``ctid`` (insertion order on a fresh table).

    .venv/bin/python bench/tables_dump.py [--items 300] [--batch 100] [--rows /tmp/rows.json]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flat_cost_bench import Feeds, poll
from ingest_bench import serve

from bot.app import App, build_app
from bot.config import FeedConfig, default_config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller

# what each table is ordered by on PostgreSQL (on SQLite: rowid, the stored order)
ORDER = {
    "items": "id", "claims": "seq, id", "claim_mentions": "claim_id, item_id",
    "claim_disputes": "ctid", "claim_keys": "key, claim_id", "item_keys": "item_id, key",
    "item_topics": "item_id, topic",
}
SKIP = {"schema_version", "briefbot_schema_version", "leases", "feed_leases"}  # times of day
# written from a set (its order depends on PYTHONHASHSEED), read by key: compared by key
BY_KEY = {"claim_keys"}
FINGERPRINTS = {"claim_keys", "item_keys"}  # meta keys: hashes of the deriving code


async def tables(app: App, port: str) -> dict[str, list[list[object]]]:
    """Every table's rows, the server's port taken out, without the fingerprints of code."""
    db = app.storage.db
    if db.dialect == "sqlite":
        names = [str(r[0]) for r in await db.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name")]
    else:
        names = [str(r[0]) for r in await db.fetch_all(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]
    out: dict[str, list[list[object]]] = {}
    for name in names:
        if name in SKIP:
            continue
        order = ("rowid" if db.dialect == "sqlite" and name not in BY_KEY
                 else ORDER.get(name, "1"))
        try:
            rows = await db.fetch_all(f"SELECT * FROM {name} ORDER BY {order}")
        except Exception:  # a table without rowid (WITHOUT ROWID) or without those columns
            rows = await db.fetch_all(f"SELECT * FROM {name} ORDER BY 1")
        out[name] = [[str(v).replace(port, ":PORT/") if v is not None else None
                      for v in tuple(r)] for r in rows
                     if not (name == "meta" and r[0] in FINGERPRINTS)]
    return out


async def run(items: int, batch: int, postgres: str | None) -> dict[str, list[list[object]]]:
    feeds = Feeds(batch // 2)
    runner, port = await serve(feeds.body)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in ("de", "en")]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = default_config()
            config = replace(
                base, feeds=tuple(FeedConfig(u) for u in urls),
                storage=replace(base.storage, database=Path(tmp) / "dump.db", url=postgres),
                fetch=replace(base.fetch, allow_private_networks=True, full_text=False))
            app = await build_app(config, clock=feeds)  # type: ignore[arg-type]
            fetcher = HttpFetcher(config.fetch)
            try:
                # one feed at a time, in order, and the same jitter: the same rows each run
                poller = FeedPoller(app.config, app.storage, app.ingest, app.clock, fetcher,
                                    rng=random.Random(0), concurrency=1)
                stored = 0
                while stored < items:
                    stored += await poll(poller, feeds)
                return await tables(app, f":{port}/")
            finally:
                await fetcher.close()
                await app.close()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rows", type=Path, help="write every table's rows here (JSON)")
    parser.add_argument("--postgres", help="a throw-away PostgreSQL database URL")
    args = parser.parse_args()
    found = asyncio.run(run(args.items, args.batch, args.postgres))
    if args.rows:
        args.rows.write_text(json.dumps(found, ensure_ascii=False, indent=0))
    digests = {name: {"rows": len(rows), "sha256": hashlib.sha256(
        json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]}
        for name, rows in found.items()}
    print(json.dumps(digests, indent=2))


if __name__ == "__main__":
    main()
