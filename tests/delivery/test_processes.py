"""Real OS processes on one SQLite file: racing for a slot, and SIGKILL at the worst moments.

The children (tests/delivery/proc_worker.py) run the real services on their own connections; posts
go to an append-only file that outlives them, so the parent can count posts across a crash.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.service import idempotency_key
from bot.delivery.subscriptions import SubscriptionService
from bot.storage import Storage
from bot.storage.deliveries import DeliveryRow
from tests.conftest import FixedClock
from tests.delivery import proc_worker
from tests.fakes.delivery import read_posts

SPAWN = multiprocessing.get_context("spawn")
SLOT_AT = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)  # 08:00 UTC
LEASE = timedelta(seconds=proc_worker.SETTINGS.lease_seconds)
DEADLINE = 60  # seconds for a child; only hit when something is badly wrong


def setup_db(db: Path, channels: list[str]) -> list[str]:
    async def main() -> list[str]:
        storage = await Storage.open(db)
        try:
            subs = SubscriptionService(storage.deliveries, FixedClock(SLOT_AT - timedelta(days=1)))
            ids = []
            for channel in channels:
                sub, _ = await subs.subscribe(platform="discord", channel=channel, time="08:00",
                                              timezone="UTC", topic=None)
                ids.append(sub.id)
            return ids
        finally:
            await storage.close()

    return asyncio.run(main())


def log_rows(db: Path, sub_id: str) -> list[DeliveryRow]:
    async def main() -> list[DeliveryRow]:
        storage = await Storage.open(db)
        try:
            return await storage.deliveries.deliveries(sub_id)
        finally:
            await storage.close()

    return asyncio.run(main())


def run_child(target: Any, *args: Any) -> int | None:
    proc = SPAWN.Process(target=target, args=args)
    proc.start()
    proc.join(DEADLINE)
    if proc.is_alive():
        proc.kill()
        pytest.fail(f"child {target.__name__} did not finish")
    return proc.exitcode


def test_two_processes_released_by_a_barrier_never_both_claim_a_slot(tmp_path: Path) -> None:
    db, posts = tmp_path / "bot.db", tmp_path / "posts.jsonl"
    sub_ids = setup_db(db, [f"c{i}" for i in range(12)])
    barrier = SPAWN.Barrier(2)
    now = (SLOT_AT + timedelta(minutes=1)).isoformat()
    procs = [SPAWN.Process(target=proc_worker.race,
                           args=(str(db), str(posts), sub_ids, now, barrier,
                                 str(tmp_path / f"out{i}.json"), f"p{i}"))
             for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(DEADLINE)
    assert [p.exitcode for p in procs] == [0, 0]
    results = [json.loads((tmp_path / f"out{i}.json").read_text()) for i in range(2)]
    collisions = 0
    for sub_id in sub_ids:
        states = sorted(o["state"] for r in results for o in r if o["subscription_id"] == sub_id)
        # the loser either lost the insert ("busy") or, when slower, found the slot already done
        assert states in (["busy", "sent"], ["sent"]), (sub_id, states)
        collisions += states == ["busy", "sent"]
    found = read_posts(posts)
    assert len(found) == len(sub_ids)
    assert sorted(p["key"] for p in found) == sorted(
        idempotency_key(s, "2026-01-10") for s in sub_ids)
    winners = {p["by"] for p in found}
    print(f"slots won per process: {[sum(p['by'] == w for p in found) for w in sorted(winners)]}"
          f"; lost inserts: {collisions}")
    for sub_id in sub_ids:
        (row,) = log_rows(db, sub_id)
        assert row.state == "sent" and row.message_id in {p["id"] for p in found}


@pytest.mark.parametrize("point", ["after_claim", "after_send"])
def test_sigkill_then_restart_posts_exactly_once(tmp_path: Path, point: str) -> None:
    db, posts = tmp_path / "bot.db", tmp_path / "posts.jsonl"
    (sub_id,) = setup_db(db, ["c1"])
    crashed_at = SLOT_AT + timedelta(minutes=1)
    code = run_child(proc_worker.crash, str(db), str(posts), crashed_at.isoformat(), point)
    assert code == -signal.SIGKILL
    (row,) = log_rows(db, sub_id)
    assert row.state == "claimed"
    assert row.attempts == (0 if point == "after_claim" else 1)
    assert len(read_posts(posts)) == (0 if point == "after_claim" else 1)

    # restarted before the lease ran out: the claim is left alone
    out = tmp_path / "early.json"
    early = crashed_at + LEASE - timedelta(seconds=30)
    assert run_child(proc_worker.restart, str(db), str(posts), early.isoformat(), str(out),
                     True) == 0
    assert [o["state"] for o in json.loads(out.read_text())] == ["busy"]

    # after the lease: reconciled with the same idempotency key
    out = tmp_path / "late.json"
    late = crashed_at + LEASE + timedelta(seconds=1)
    assert run_child(proc_worker.restart, str(db), str(posts), late.isoformat(), str(out),
                     True) == 0
    (outcome,) = json.loads(out.read_text())
    assert (outcome["state"], outcome["reconciled"], outcome["possible_duplicate"]) == (
        "sent", point == "after_send", False)
    found = read_posts(posts)
    assert len(found) == 1  # exactly once across the crash
    assert found[0]["by"] == ("second" if point == "after_claim" else "first")
    (row,) = log_rows(db, sub_id)
    assert (row.state, row.message_id) == ("sent", found[0]["id"])

    # and a further restart does nothing
    assert run_child(proc_worker.restart, str(db), str(posts), late.isoformat(), str(out),
                     True) == 0
    assert json.loads(out.read_text()) == [] and len(read_posts(posts)) == 1


def test_sigkill_after_send_on_a_platform_that_cannot_tell_reports_the_duplicate(
    tmp_path: Path,
) -> None:
    db, posts = tmp_path / "bot.db", tmp_path / "posts.jsonl"
    (sub_id,) = setup_db(db, ["c1"])
    crashed_at = SLOT_AT + timedelta(minutes=1)
    code = run_child(proc_worker.crash, str(db), str(posts), crashed_at.isoformat(), "after_send")
    assert code == -signal.SIGKILL
    out = tmp_path / "out.json"
    late = crashed_at + LEASE + timedelta(seconds=1)
    assert run_child(proc_worker.restart, str(db), str(posts), late.isoformat(), str(out),
                     False) == 0
    (outcome,) = json.loads(out.read_text())
    assert (outcome["state"], outcome["possible_duplicate"]) == ("sent", True)
    assert len(read_posts(posts)) == 2  # posted again rather than lost, and reported
    (row,) = log_rows(db, sub_id)
    assert row.possible_duplicate


def test_bot_killed_right_after_posting_does_not_post_again_on_restart(tmp_path: Path) -> None:
    """The start sequence of ``briefbot run`` with the console publisher and its journal."""
    db, screen, journal = tmp_path / "bot.db", tmp_path / "screen.txt", tmp_path / "posted.tsv"
    installed = SLOT_AT - timedelta(days=1)  # first start: the config digest is synced, not due
    assert run_child(proc_worker.run_bot, str(db), str(screen), str(journal),
                     installed.isoformat(), str(tmp_path / "install.json"), True) == 0
    assert not screen.exists() or screen.read_text() == ""
    first = SLOT_AT + timedelta(minutes=5)  # 08:00 Europe/Berlin is 07:00 UTC: 1 h 5 min late
    code = run_child(proc_worker.run_bot, str(db), str(screen), str(journal), first.isoformat(),
                     str(tmp_path / "first.json"), True)
    assert code == -signal.SIGKILL
    assert screen.read_text().count("--- digest for console channel console ---") == 1
    out = tmp_path / "second.json"
    expected = [("busy", False), ("sent", True)]  # lease still held; then reconciled
    for restart_at, want in zip((first + timedelta(seconds=10),
                                 first + LEASE + timedelta(minutes=1)), expected, strict=True):
        assert run_child(proc_worker.run_bot, str(db), str(screen), str(journal),
                         restart_at.isoformat(), str(out), False) == 0
        (outcome,) = json.loads(out.read_text())
        assert (outcome["state"], outcome["reconciled"]) == want
    assert screen.read_text().count("--- digest for console channel console ---") == 1
