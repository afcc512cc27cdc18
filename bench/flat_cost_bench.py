"""Flat cost: does one poll get slower as the database grows?

A loopback HTTP server serves two RSS feeds (German and English, texts from bench/newsgen.py) whose
content moves on by one batch per poll, as a live feed does: each poll brings ``--batch`` new items
(half per feed) with later dates than the stored ones. The real ``FeedPoller``, ``HttpFetcher`` and
text pipeline (NLP on: claims, ledger, stories) fill one database, copied at each size of
``--sizes``. Then the next poll (the same kind of poll: ``--batch`` fresh generated items) is timed
on a fresh copy at each size, split by step (``StepTimer``: the ledger, the story placement, the
claim ranks and the rest, in ms per new item), the analysis process started and warm;
``--rounds`` times, the sizes in turn, and the median is reported: on a shared
machine the load moves between two polls, and timing each size once, in order, put that drift
into the ratio (a poll of 200 items timed once each at 1k and 4k took 6.4 and 10.5 s, with every
step slower alike, the store-size-independent ones included).

Baseline in the same run: the timed poll at the smallest size. Target: the poll at the largest size
at most 1.3 times that. Prints JSON.

    .venv/bin/python bench/flat_cost_bench.py [--sizes 1000,5000,20000] [--batch 200] [--rounds 3]
        [--cache /work/bench-cache/flat-200] [--fill-only]

With ``--cache DIR`` the filled database and its copies stay in DIR (``flat.db``, ``at-<size>.db``,
``state.json``): a later run times the sizes already there without filling again, and a fill cut
short by ``--budget`` goes on from where it stopped. The stored rows do not depend on the code's
speed, so a fill made by one version of the code times another's polls fairly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest_bench import make_feed, serve
from newsgen import WORKLOAD

import bot.app
import bot.ingest
from bot.answers.claims import ClaimAnswers
from bot.app import App, build_app
from bot.config import FeedConfig, default_config
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from bot.text.pool import Job

START = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
SPACING = timedelta(minutes=1)
STEPS = ("ledger", "placement", "ranks")


class Feeds:
    """Feed bodies for the current batch; ``now`` is just after its newest item."""

    def __init__(self, per_feed: int) -> None:
        self.per_feed = per_feed
        self.batch = 0

    def now(self) -> datetime:
        return START + SPACING * (2 * self.per_feed * (self.batch + 1)) + timedelta(minutes=1)

    def body(self, language: str) -> bytes:
        first = self.batch * self.per_feed
        return make_feed(language, range(first, first + self.per_feed), "127.0.0.1",
                         lambda i: START + SPACING * (2 * i + (language == "en")))


class StepTimer:
    """Wraps one step of the poll where its callers look it up (``owner.name``: a module's
    function or a class's method) to sum its time, so that the poll's time is split by step:
    the ledger (``bot.app.update_ledger``), the story placement (``bot.ingest.assign_story``) and
    the claim ranks (``ClaimAnswers.update_ranks``)."""

    def __init__(self, owner: object, name: str) -> None:
        self.seconds = 0.0
        self.owner, self.name = owner, name
        self.inner = getattr(owner, name)
        timer = self

        async def timed(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return await timer.inner(*args, **kwargs)
            finally:
                timer.seconds += time.perf_counter() - start

        self.timed = timed

    def install(self) -> None:
        setattr(self.owner, self.name, self.timed)

    def remove(self) -> None:
        setattr(self.owner, self.name, self.inner)


def step_timers() -> dict[str, StepTimer]:
    return {"ledger": StepTimer(bot.app, "update_ledger"),
            "placement": StepTimer(bot.ingest, "assign_story"),
            "ranks": StepTimer(ClaimAnswers, "update_ranks")}


async def open_app(database: Path, urls: list[str], feeds: Feeds) -> tuple[App, HttpFetcher]:
    base = default_config()
    config = replace(base, feeds=tuple(FeedConfig(u) for u in urls),
                     storage=replace(base.storage, database=database),
                     fetch=replace(base.fetch, allow_private_networks=True, full_text=False))
    app = await build_app(config, clock=feeds)  # type: ignore[arg-type]
    return app, HttpFetcher(config.fetch)


def load_state(folder: Path) -> dict[str, Any]:
    """What a kept fill reached: stored items, the next feed batch, the copies (size -> batch)."""
    path = folder / "state.json"
    if not path.exists():
        return {"stored": 0, "batch": 0, "snapshots": {}}
    state: dict[str, Any] = json.loads(path.read_text())
    return state


async def fill(sizes: list[int], urls: list[str], feeds: Feeds, folder: Path,
               budget_s: float) -> tuple[dict[int, tuple[Path, int]], float | None, str | None]:
    """Fill one database through the poller, a copy of it at each size: (size -> (copy, the
    feed batch the next poll brings)), items/s of the fill (None: nothing filled), why it stopped
    early (or None). Goes on from a fill kept in ``folder``."""
    database = folder / "flat.db"
    state = load_state(folder)
    snapshots = {int(size): (folder / f"at-{size}.db", int(batch))
                 for size, batch in state["snapshots"].items()}
    if all(size in snapshots for size in sizes):
        return snapshots, None, None
    stored, feeds.batch = int(state["stored"]), int(state["batch"])
    app, fetcher = await open_app(database, urls, feeds)
    started = time.perf_counter()
    first = stored
    stopped = None
    try:
        poller = FeedPoller.from_app(app, fetcher)
        for size in (s for s in sizes if s not in snapshots):
            while stored < size and stopped is None:
                if time.perf_counter() - started > budget_s:
                    stopped = f"time budget of {budget_s:.0f} s reached at {stored} items"
                    break
                stored += await poll(poller, feeds)
            await app.storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if stopped is None:
                shutil.copy(database, folder / f"at-{size}.db")
                snapshots[size] = (folder / f"at-{size}.db", feeds.batch)
            (folder / "state.json").write_text(json.dumps({
                "stored": stored, "batch": feeds.batch,
                "snapshots": {str(k): b for k, (_, b) in snapshots.items()}}))
            print(json.dumps({"filled": stored}), file=sys.stderr, flush=True)
            if stopped is not None:
                break
    finally:
        await fetcher.close()
        await app.close()
    return snapshots, (stored - first) / (time.perf_counter() - started), stopped


async def upgrade(snapshot: Path, urls: list[str], feeds: Feeds) -> None:
    """Open (and close) the app on a kept copy once before the timed polls: derived rows whose
    fingerprint names other code (claim keys built by another version of the ledger, say) are
    rebuilt at open, once here instead of before each timed poll."""
    app, fetcher = await open_app(snapshot, urls, feeds)
    try:
        await app.storage.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await fetcher.close()
        await app.close()


async def timed_poll(snapshot: Path, batch: int, *, urls: list[str], feeds: Feeds,
                     timers: dict[str, StepTimer], folder: Path) -> dict[str, float]:
    """The next poll on a fresh copy of ``snapshot``, its analysis process already warm."""
    database = folder / "timed.db"
    shutil.copy(snapshot, database)
    feeds.batch = batch
    app, fetcher = await open_app(database, urls, feeds)
    try:
        await app.ingest.pool.analyze([Job("Die Ministerin sagte, es sei gut.", "de")])
        poller = FeedPoller.from_app(app, fetcher)
        for timer in timers.values():
            timer.seconds = 0.0
        start = time.perf_counter()
        new = await poll(poller, feeds)
        poll_s = time.perf_counter() - start
    finally:
        await fetcher.close()
        await app.close()
        database.unlink()
    return {"poll_s": poll_s, "items": new,
            **{f"{name}_s": timer.seconds for name, timer in timers.items()}}


async def run(sizes: list[int], batch: int, budget_s: float, rounds: int,
              *, cache: Path | None, fill_only: bool) -> dict[str, object]:
    feeds = Feeds(batch // 2)
    runner, port = await serve(feeds.body)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in ("de", "en")]
    timers = step_timers()
    for timer in timers.values():
        timer.install()
    timings: dict[int, list[dict[str, float]]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = cache if cache is not None else Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            snapshots, fill_rate, stopped = await fill(sizes, urls, feeds, folder, budget_s)
            if not fill_only:
                for snapshot, _ in snapshots.values():
                    await upgrade(snapshot, urls, feeds)
            # the sizes in turn, round after round: a load that changes on a shared machine
            # touches every size alike, instead of the one measured last
            for _ in range(0 if fill_only else rounds):
                for size, (snapshot, next_batch) in sorted(snapshots.items()):
                    if size not in sizes:
                        continue
                    timings.setdefault(size, []).append(await timed_poll(
                        snapshot, next_batch, urls=urls, feeds=feeds, timers=timers,
                        folder=Path(tmp)))
    finally:
        for timer in timers.values():
            timer.remove()
        await runner.cleanup()
    points = [point(size, runs) for size, runs in timings.items()]
    first = float(points[0]["poll_s"]) if points else None  # type: ignore[arg-type]
    result: dict[str, object] = {
        "bench": "flat_cost",
        "batch": batch,
        "rounds": rounds,
        "points": points,
        "ratio_largest_to_smallest": (
            round(float(points[-1]["poll_s"]) / first, 3)  # type: ignore[arg-type]
            if points and first else None),
        "target_ratio": 1.3,
        "fill_items_per_s": round(fill_rate, 1) if fill_rate is not None else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "workload": WORKLOAD,
        "note": "poll_s: median over the rounds of one poll of `batch` fresh items on a copy of "
                "the database at each size, NLP on, analysis process warm; sizes interleaved "
                "per round; ratio = poll at the largest size reached / poll at the smallest; "
                "<step>_ms_per_item: median time of the ledger, story placement and claim "
                "ranks steps (rest: the poll's other time) per new item; shared machine",
    }
    if stopped:
        result["stopped"] = stopped
    return result


def point(size: int, runs: list[dict[str, float]]) -> dict[str, object]:
    """The medians of one size's rounds, with each step's share: ms per new item of the
    ledger, the story placement, the claim ranks and the rest of the poll."""
    items = int(runs[0]["items"])
    median = {key: statistics.median(r[key] for r in runs)
              for key in ("poll_s", *(f"{name}_s" for name in STEPS))}
    rest = statistics.median(r["poll_s"] - sum(r[f"{name}_s"] for name in STEPS) for r in runs)
    return {"stored_before": size, "poll_items": items,
            "poll_s": round(median["poll_s"], 3),
            "poll_s_each": [round(r["poll_s"], 2) for r in runs],
            **{f"{name}_ms_per_item": round(1000 * median[f"{name}_s"] / items, 2)
               for name in STEPS},
            "rest_ms_per_item": round(1000 * rest / items, 2),
            "items_per_s": round(items / median["poll_s"], 1)}


async def poll(poller: FeedPoller, feeds: Feeds) -> int:
    results = await poller.poll_all()
    errors = [r.line() for r in results if r.error]
    if errors:
        raise SystemExit("flat_cost_bench: " + "; ".join(errors))
    feeds.batch += 1
    return sum(r.new for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,5000,20000",
                        help="store sizes (items) at which a poll is timed, comma-separated")
    parser.add_argument("--batch", type=int, default=200, help="new items per poll")
    parser.add_argument("--budget", type=float, default=1800.0,
                        help="stop filling after this many seconds and report the sizes reached")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timed polls per size (interleaved; the median is reported)")
    parser.add_argument("--cache", type=Path,
                        help="keep the fill in this folder, and start from the one kept there")
    parser.add_argument("--fill-only", action="store_true", help="fill (or go on filling) only")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(json.dumps(asyncio.run(run(sizes, args.batch, args.budget, args.rounds, cache=args.cache,
                                     fill_only=args.fill_only)), indent=2))


if __name__ == "__main__":
    main()
