"""The event loop during a large ingest: how late a 10 ms ticker wakes up, and how long commands sent
through the router take, while N items (half English, half German, bench/newsgen.py) are polled
from a loopback feed server into a fresh database with full NLP.

Runs in the same process: ``[ingest] processes = 0`` (analysis in a thread of the bot's process, as
before the pool: the baseline) and the pool with ``--processes`` workers (default: the config's
default, the CPUs less one), each once with only ``/help`` sent (the lag is the ingest's own) and
once with the read commands (their own time on the loop adds to it). Reported per run: loop lag
(max, p99, p50 of the ticker's delay), command latency (p50, p99, max) and how many were answered,
ingest items/s, the peak RSS of each analysis process. Target: lag under 100 ms. Prints JSON.

    .venv/bin/python bench/loop_lag_bench.py [--items 1000] [--processes N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest_bench import Clock, bench_config, make_feed, minutes_ago, serve, stored
from newsgen import WORKLOAD
from stalls import StallProbe

from bot.app import App, build_app
from bot.config import IngestConfig
from bot.feeds.fetch import HttpFetcher
from bot.feeds.poller import FeedPoller
from bot.model import User

TICK = 0.010
COMMANDS = ("/claims", "/digest", "/deepseek", "/sources", "/help", "/claims status:disputed")
# a command that does no work of its own: the lag then is the ingest's alone
LIGHT = ("/help",)
COMMAND_GAP = 0.05  # seconds between two commands


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def tick(stop: asyncio.Event, delays: list[float],
               worst: list[tuple[float, float]]) -> None:
    """The ticker's delays; ``worst`` gets (delay, CPU time of the loop's thread meanwhile) of
    the longest ones: a late tick with little CPU on the loop's thread waited for the interpreter
    lock, a collection or the machine (shared), not for code running on the loop."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start, cpu = loop.time(), time.thread_time()
        await asyncio.sleep(TICK)
        delay = max(0.0, loop.time() - start - TICK)
        delays.append(delay)
        if delay > 0.05:
            worst.append((delay, time.thread_time() - cpu))


class Collections:
    """The longest garbage collection pause in the bot's process (it stops the loop too)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.long: list[tuple[int, float]] = []  # (generation, seconds) of those over 20 ms
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        took = time.perf_counter() - self._start
        self.longest = max(self.longest, took)
        if took > 0.02:
            self.long.append((info["generation"], took))

    def __enter__(self) -> Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def worst_stalls(worst: list[tuple[float, float]]) -> list[dict[str, float]]:
    return [{"lag_ms": round(d * 1000, 1), "loop_thread_cpu_ms": round(c * 1000, 1)}
            for d, c in sorted(worst, reverse=True)[:5]]


async def command_loop(app: App, stop: asyncio.Event, latencies: dict[str, list[float]],
                       commands: tuple[str, ...]) -> None:
    user = User(id="bench", name="bench", is_admin=True)
    n = 0
    while not stop.is_set():
        line = commands[n % len(commands)]
        n += 1
        request = app.router.parse_text(line, user=user, platform="console", channel=None)
        start = time.perf_counter()
        reply = await app.router.handle(request)
        latencies.setdefault(line, []).append(time.perf_counter() - start)
        if reply.is_error:
            raise SystemExit(f"loop_lag_bench: {line}: {reply.title}")
        await asyncio.sleep(COMMAND_GAP)


def peak_rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


async def one_run(urls: list[str], processes: int, commands: tuple[str, ...] = COMMANDS,
                  stalls: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(urls, Path(tmp) / "bench.db", processes)
        app = await build_app(config, clock=Clock())
        gc.freeze()  # as ``briefbot run`` does once it has started (bot/run.py, background)
        fetcher = HttpFetcher(config.fetch)
        delays: list[float] = []
        worst: list[tuple[float, float]] = []
        latencies: dict[str, list[float]] = {}
        stop = asyncio.Event()
        probe = StallProbe() if stalls else None
        try:
            if probe is not None:
                probe.start()
            poller = FeedPoller.from_app(app, fetcher)
            background = [asyncio.create_task(tick(stop, delays, worst)),
                          asyncio.create_task(command_loop(app, stop, latencies, commands))]
            start = time.perf_counter()
            with Collections() as collections:
                results = await poller.poll_all()
            elapsed = time.perf_counter() - start
            workers = {pid: peak_rss_mib(pid) for pid in app.ingest.pool.worker_pids()}
            stop.set()
            await asyncio.gather(*background)
        finally:
            if probe is not None:
                probe.stop()
            await fetcher.close()
            await app.close()
            gc.unfreeze()  # the next run of this process starts as unfrozen as this one did
    count = stored(results, "loop_lag_bench")
    extra = {"stalls": probe.report()} if probe is not None else {}
    return {
        "processes": processes,
        "commands_sent": list(commands),
        "stored": count,
        "ingest_s": round(elapsed, 2),
        "items_per_s": round(count / elapsed, 1),
        "loop_lag": quantiles(delays),
        "longest_lags": worst_stalls(worst),
        "longest_collection_ms": round(collections.longest * 1000, 1),
        "collections_over_20ms": [(g, round(t * 1000, 1)) for g, t in collections.long],
        "commands": quantiles([t for times in latencies.values() for t in times]),
        "by_command": {line: quantiles(times) for line, times in latencies.items()},
        "analysis_process_peak_rss_mib": list(workers.values()),
        **extra,
    }


RUNS = ("thread_light", "pool_light", "thread_all_commands", "pool_all_commands")


async def run(items: int, processes: int, names: tuple[str, ...] = RUNS,
              stalls: bool = False) -> dict[str, object]:
    half = items // 2
    feeds = {"de": make_feed("de", range(half), "127.0.0.1", minutes_ago(2)),
             "en": make_feed("en", range(items - half), "127.0.0.1", minutes_ago(2))}
    runner, port = await serve(feeds.__getitem__)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in feeds]
    try:
        runs = {name: await one_run(urls, processes if name.startswith("pool") else 0,
                                    LIGHT if name.endswith("light") else COMMANDS, stalls)
                for name in names}
    finally:
        await runner.cleanup()

    def lag(name: str) -> float:
        return runs[name]["loop_lag"]["max_ms"]  # type: ignore[index, no-any-return]

    ratios = {f"max_lag_ratio_pool_to_thread_{kind}": round(
        lag(f"pool_{kind}") / lag(f"thread_{kind}"), 3)
        for kind in ("light", "all_commands")
        if f"pool_{kind}" in runs and f"thread_{kind}" in runs}
    return {
        "bench": "loop_lag",
        "items": items,
        "tick_ms": TICK * 1000,
        **runs,
        **ratios,
        "target_max_lag_ms": 100,
        "bot_process_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "workload": WORKLOAD,
        "note": "processes = 0 is analysis in a thread (as before the pool). *_light: only /help "
                "is sent, so the lag is the ingest's own; *_all_commands: the read commands' own "
                "time on the loop adds to it. One process, shared 2-core machine: read the ratios",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=IngestConfig().worker_processes)
    parser.add_argument("--runs", default=",".join(RUNS),
                        help=f"which runs, comma-separated (of {', '.join(RUNS)})")
    parser.add_argument("--stalls", action="store_true",
                        help="sample the loop's stack while it stalls over 50 ms (bench/stalls.py)")
    args = parser.parse_args()
    names = tuple(n for n in RUNS if n in args.runs.split(","))
    print(json.dumps(asyncio.run(run(args.items, args.processes, names, args.stalls)), indent=2))


if __name__ == "__main__":
    main()
