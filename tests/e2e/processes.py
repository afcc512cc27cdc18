"""``briefbot run`` worker processes for the multi-process tests: started with their own worker id
and log file, stopped (SIGTERM, then SIGKILL after a bounded wait) whatever the test did."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

STOP_SECONDS = 30.0


class Workers:
    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    async def start(self, name: str, **extra_env: str) -> asyncio.subprocess.Process:
        log = open(self.log_path(name), "w")  # noqa: SIM115, ASYNC230 - the child writes it
        with log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.home,
                env=self.env | {"BRIEFBOT_WORKER_ID": name} | extra_env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        self.processes[name] = process
        return process

    def log_path(self, name: str) -> Path:
        return self.home / f"{name}.log"

    def log(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-2000:]}" for name in self.processes)

    async def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def stop_all(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def workers(home: Path, env: dict[str, str]) -> AsyncIterator[Workers]:
    started = Workers(home, env)
    try:
        yield started
    finally:
        await started.stop_all()


async def line_in_log(group: Workers, name: str, text: str, seconds: float) -> bool:
    """True once the worker's log holds ``text``; False after ``seconds`` (or when it exited).
    The log is a file the child writes: it is read again every 0.2 s, a bounded wait."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if text in group.log(name):
            return True
        if group.processes[name].returncode is not None:
            return text in group.log(name)
        await asyncio.sleep(0.2)
    return False
