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
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest_bench import Clock, bench_config, make_feed, minutes_ago, serve, stored

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


async def tick(stop: asyncio.Event, delays: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        start = loop.time()
        await asyncio.sleep(TICK)
        delays.append(max(0.0, loop.time() - start - TICK))


async def command_loop(app: App, stop: asyncio.Event, latencies: list[float],
                       commands: tuple[str, ...]) -> None:
    user = User(id="bench", name="bench", is_admin=True)
    n = 0
    while not stop.is_set():
        line = commands[n % len(commands)]
        n += 1
        request = app.router.parse_text(line, user=user, platform="console", channel=None)
        start = time.perf_counter()
        reply = await app.router.handle(request)
        latencies.append(time.perf_counter() - start)
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


async def one_run(urls: list[str], processes: int,
                  commands: tuple[str, ...] = COMMANDS) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        config = bench_config(urls, Path(tmp) / "bench.db", processes)
        app = await build_app(config, clock=Clock())
        fetcher = HttpFetcher(config.fetch)
        delays: list[float] = []
        latencies: list[float] = []
        stop = asyncio.Event()
        try:
            poller = FeedPoller.from_app(app, fetcher)
            background = [asyncio.create_task(tick(stop, delays)),
                          asyncio.create_task(command_loop(app, stop, latencies, commands))]
            start = time.perf_counter()
            results = await poller.poll_all()
            elapsed = time.perf_counter() - start
            workers = {pid: peak_rss_mib(pid) for pid in app.ingest.pool.worker_pids()}
            stop.set()
            await asyncio.gather(*background)
        finally:
            await fetcher.close()
            await app.close()
    count = stored(results, "loop_lag_bench")
    return {
        "processes": processes,
        "commands_sent": list(commands),
        "stored": count,
        "ingest_s": round(elapsed, 2),
        "items_per_s": round(count / elapsed, 1),
        "loop_lag": quantiles(delays),
        "commands": quantiles(latencies),
        "analysis_process_peak_rss_mib": list(workers.values()),
    }


async def run(items: int, processes: int) -> dict[str, object]:
    half = items // 2
    feeds = {"de": make_feed("de", range(half), "127.0.0.1", minutes_ago(2)),
             "en": make_feed("en", range(items - half), "127.0.0.1", minutes_ago(2))}
    runner, port = await serve(feeds.__getitem__)
    urls = [f"http://127.0.0.1:{port}/{name}.rss" for name in feeds]
    try:
        runs = {
            "thread_light": await one_run(urls, 0, LIGHT),
            "pool_light": await one_run(urls, processes, LIGHT),
            "thread_all_commands": await one_run(urls, 0),
            "pool_all_commands": await one_run(urls, processes),
        }
    finally:
        await runner.cleanup()

    def lag(name: str) -> float:
        return runs[name]["loop_lag"]["max_ms"]  # type: ignore[index, no-any-return]

    return {
        "bench": "loop_lag",
        "items": items,
        "tick_ms": TICK * 1000,
        **runs,
        "ingest_max_lag_ratio_pool_to_thread": round(lag("pool_light") / lag("thread_light"), 3),
        "max_lag_ratio_pool_to_thread_all_commands": round(
            lag("pool_all_commands") / lag("thread_all_commands"), 3),
        "target_max_lag_ms": 100,
        "bot_process_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "note": "processes = 0 is analysis in a thread (as before the pool). *_light: only /help "
                "is sent, so the lag is the ingest's own; *_all_commands: the read commands' own "
                "time on the loop adds to it. One process, shared 2-core machine: read the ratios",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=IngestConfig().worker_processes)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.items, args.processes)), indent=2))


if __name__ == "__main__":
    main()
