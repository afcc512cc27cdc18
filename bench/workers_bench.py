"""One polling round of F loopback feeds with 1, 2 and 3 workers on PostgreSQL and 1 on SQLite,
in the same run (printed as JSON).

A worker is a real process (this script with ``--worker``): it builds the app on the database,
says it is ready, waits for the go, then calls ``FeedPoller.poll_due`` until no feed is left for it
(every feed leased and polled). The round's time is from the go to the last worker's end; the
setup (imports, migrations, the text pipeline) is outside it. Each configuration gets a fresh
database and its own feed server counting fetches, so the JSON also shows that each feed was
fetched once per round whatever the number of workers. The machine is shared (2 cores, other
jobs): read the ratios against 1 PostgreSQL worker, not the absolute seconds.

The server: BRIEFBOT_TEST_POSTGRES_URL if set (a fresh database per configuration), else a
throw-away cluster through scripts/pg_cluster.sh (as bench/postgres_bench.py).

    .venv/bin/python bench/workers_bench.py [--feeds 300]
    .venv/bin/python bench/workers_bench.py --takeover

``--takeover`` measures instead how long the Discord gateway is without a holder when the leader is
SIGKILLed: from the kill to the follower's IDENTIFY at the fake Discord (real ``briefbot run``
processes), on SQLite (lease) and PostgreSQL (advisory lock), as a ratio to
``[workers] leader_retry_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.postgres_bench import fresh_database, postgres_server  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from tests.fakes.discord_fake import TOKEN, FakeDiscord  # noqa: E402

TAKEOVER_RETRY = 2.0  # [workers] leader_retry_seconds of the takeover runs
TAKEOVER_LEASE = 6  # [workers] leader_lease_seconds (SQLite)

ITEMS_PER_FEED = 2


class Feeds(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()


class FeedHandler(BaseHTTPRequestHandler):
    server: Feeds

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path] += 1
        number = self.path.strip("/").removesuffix(".rss")
        now = format_datetime(datetime.now(UTC), usegmt=True)
        items = "".join(
            f"<item><title>Feed {number} report {n} on the harbour budget</title>"
            f"<guid>b-{number}-{n}</guid><pubDate>{now}</pubDate><description>The harbour "
            f"board of feed {number} approved report {n}. It says costs rose by 4 percent."
            "</description></item>" for n in range(ITEMS_PER_FEED))
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{number}</title>' \
               f"{items}</channel></rss>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def write_config(folder: Path, port: int, feeds: int, database: str) -> Path:
    (folder / "seeds").mkdir(exist_ok=True)
    lines = ['[bot]\nlanguage = "en"\n',
             "[fetch]\ninterval = 60\nfull_text = false\nallow_private_networks = true\n",
             f'[storage]\n{"url" if "://" in database else "database"} = "{database}"\n']
    lines += [f'[[feeds]]\nurl = "http://127.0.0.1:{port}/{n}.rss"\n' for n in range(feeds)]
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


async def worker(config_path: Path) -> int:
    """One worker: build, say ready, wait for the go on stdin, poll until nothing is left."""
    config = load_config(config_path)
    app = await build_app(config)
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        polled = 0
        while True:
            results = await app.poller.poll_due()
            polled += len(results)
            if not results and not app.poller._running:
                break
        print(json.dumps({"polled": polled}), flush=True)
    finally:
        await app.close()
    return 0


def round_with(workers: int, config_path: Path, env: dict[str, str]) -> dict[str, object]:
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(config_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env | {"BRIEFBOT_WORKER_ID": f"bench-{n}"}, cwd=config_path.parent)
             for n in range(workers)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    began = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    polled = []
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        polled.append(json.loads(out.strip().splitlines()[-1])["polled"])
    return {"seconds": round(time.perf_counter() - began, 3), "polled_per_worker": polled}


def measure(name: str, workers: int, database: str, folder: Path, feeds: int) -> dict[str, object]:
    server = Feeds()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = int(server.server_address[1])
        (folder / name).mkdir()
        config = write_config(folder / name, port, feeds, database)
        env = {k: v for k, v in os.environ.items() if k != "BRIEFBOT_DATABASE_URL"}
        env["PYTHONPATH"] = str(ROOT)
        result = round_with(workers, config, env)
        fetches = Counter(server.hits.values())
        result |= {"workers": workers, "feeds_fetched": len(server.hits),
                   "fetches_per_feed": {str(k): v for k, v in sorted(fetches.items())}}
        return result
    finally:
        server.shutdown()


async def takeover_once(database: str, folder: Path) -> float:
    """Seconds from the leader's SIGKILL to the follower's IDENTIFY."""
    fake = FakeDiscord()
    await fake.start()
    (folder / "seeds").mkdir(parents=True)
    key = "url" if "://" in database else "database"
    (folder / "config.toml").write_text(
        f'[bot]\nlanguage = "en"\n[storage]\n{key} = "{database}"\n'
        f"[workers]\nleader_retry_seconds = {TAKEOVER_RETRY}\n"
        f"leader_lease_seconds = {TAKEOVER_LEASE}\n"
        f'[discord]\napi_base_url = "{fake.api_base}"\ngateway_url = "{fake.gateway_url}"\n',
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BRIEFBOT_DATABASE_URL"}
    env |= {"PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN}
    procs = []
    try:
        for name in ("leader", "follower"):
            log = open(folder / f"{name}.log", "w")  # noqa: SIM115, ASYNC230 - the child's
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=folder, stderr=log,
                stdout=asyncio.subprocess.DEVNULL, env=env | {"BRIEFBOT_WORKER_ID": name}))
            log.close()
            if name == "leader":
                await asyncio.wait_for(fake.identified.get(), 120)
        for _ in range(600):  # the follower's start line, read again every 0.2 s (bounded)
            if "REST only" in (folder / "follower.log").read_text():
                break
            await asyncio.sleep(0.2)
        procs[0].kill()
        killed = time.perf_counter()
        await asyncio.wait_for(fake.identified.get(), 120)
        return time.perf_counter() - killed
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
            await proc.wait()
        await fake.close()


def takeovers(repeats: int = 3) -> dict[str, object]:
    seconds: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as admin:
        for n in range(repeats):
            seconds["sqlite"].append(asyncio.run(takeover_once(
                str(Path(tmp) / f"s{n}" / "bench.db"), Path(tmp) / f"s{n}")))
            url = asyncio.run(fresh_database(admin))
            seconds["postgresql"].append(asyncio.run(takeover_once(url, Path(tmp) / f"p{n}")))
    return {
        "leader_retry_seconds": TAKEOVER_RETRY, "leader_lease_seconds": TAKEOVER_LEASE,
        "seconds_without_gateway": {k: [round(v, 2) for v in vs] for k, vs in seconds.items()},
        "ratio_to_retry": {k: round(max(vs) / TAKEOVER_RETRY, 2) for k, vs in seconds.items()},
        "note": "SQLite waits for the lease to lapse (up to lease + retry); PostgreSQL frees the "
                "lock with the dead session (up to retry). Shared 2-core machine.",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--takeover", action="store_true",
                        help="measure the gateway leader's takeover instead")
    args = parser.parse_args(argv)
    if args.worker:
        return asyncio.run(worker(args.worker))
    if args.takeover:
        print(json.dumps(takeovers(), indent=2))
        return 0
    runs: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as admin:
        folder = Path(tmp)
        runs["sqlite_1"] = measure("sqlite_1", 1, str(folder / "bench.db"), folder, args.feeds)
        for workers in (1, 2, 3):
            url = asyncio.run(fresh_database(admin))
            runs[f"postgresql_{workers}"] = measure(f"postgresql_{workers}", workers, url, folder,
                                                    args.feeds)
    base = float(runs["postgresql_1"]["seconds"])  # type: ignore[arg-type]
    report = {
        "feeds": args.feeds, "items_per_feed": ITEMS_PER_FEED, "runs": runs,
        "speedup_vs_postgresql_1": {name: round(base / float(r["seconds"]), 2)  # type: ignore[arg-type]
                                    for name, r in runs.items()},
        "note": "2-core machine shared with other jobs: ratios, not absolute seconds",
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
