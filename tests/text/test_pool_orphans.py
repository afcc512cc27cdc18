"""A bot killed with SIGKILL leaves no analysis processes behind: its workers watch it and end,
and the fork server and the resource tracker end with the last of them."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120.0  # seconds at most for the processes to end (a deadline, not a measurement)

# a bot process in small: a pool of one worker, one analysis, then it waits to be killed; it
# prints the pids of the fork server, of the resource tracker (started with it) and of its worker
CHILD = """
import asyncio
import multiprocessing.forkserver
import multiprocessing.resource_tracker

from bot.app import default_pipeline
from bot.text.pool import AnalysisPool, Job


async def main() -> None:
    pool = AnalysisPool(default_pipeline(), 1)
    (outcome,) = await pool.analyze([Job("Die Ministerin sagte, es sei gut.", "de")])
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    tracker = multiprocessing.resource_tracker._resource_tracker._pid
    print(outcome.language, server, tracker, *pool.worker_pids(), flush=True)
    await asyncio.Event().wait()  # until the test kills it


asyncio.run(main())
"""

pytestmark = pytest.mark.skipif(not hasattr(os, "pidfd_open"),
                                reason="the guard needs pidfds (Linux 5.3 and later)")


def running(pid: int) -> bool:
    """True while ``pid`` exists and has not ended (a zombie nobody reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], WAIT)
    assert ready, "the child printed nothing"
    return process.stdout.readline()


def wait_for_exits(pids: list[int], timeout: float) -> None:
    """Until every process in ``pids`` has ended or ``timeout`` is over: a pidfd becomes readable
    when its process ends, so this waits on those events, not on a polling loop."""
    watched = {}
    for pid in pids:
        try:
            watched[os.pidfd_open(pid)] = pid
        except ProcessLookupError:  # already gone
            continue
    deadline = time.monotonic() + timeout
    try:
        while watched and (left := deadline - time.monotonic()) > 0:
            ended, _, _ = select.select(list(watched), [], [], left)
            for descriptor in ended:
                os.close(descriptor)
                del watched[descriptor]
    finally:
        for descriptor in watched:
            os.close(descriptor)


def test_killed_bot_leaves_no_analysis_processes() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE)
    try:
        language, *pids = first_line(child).split()
        assert language == "de"
        processes = [int(p) for p in pids]
        assert len(processes) == 3 and all(running(p) for p in processes)
        child.send_signal(signal.SIGKILL)
        child.wait()
        wait_for_exits(processes, WAIT)
        left = [p for p in processes if running(p)]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    for pid in left:  # the test must not leave them either
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"still running after the bot was killed: {left}"
