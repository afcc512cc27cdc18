"""Where the event loop stalls: a watchdog thread that samples the loop thread's stack whenever the
loop has not run its heartbeat for longer than a threshold.

A stall is Python code (or a blocking call) running on the loop between two awaits; the sampled
stacks name it, so a fix can move that code off the loop. Used by ``loop_lag_bench.py --stalls``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
HEARTBEAT = 0.005  # seconds between two loop heartbeats
SAMPLE = 0.005  # seconds between two looks of the watchdog


class StallProbe:
    """Samples the loop thread's stack while the loop is late by more than ``threshold``."""

    def __init__(self, threshold: float = 0.05) -> None:
        self.threshold = threshold
        self.samples: Counter[tuple[str, ...]] = Counter()
        self._beat = time.perf_counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop_thread = threading.get_ident()
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

        def beat() -> None:
            self._beat = time.perf_counter()
            self._handle = loop.call_later(HEARTBEAT, beat)

        beat()
        self._thread = threading.Thread(target=self._watch, name="stall-probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(SAMPLE):
            if time.perf_counter() - self._beat < self.threshold:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            stack: list[str] = []
            while frame is not None:
                code = frame.f_code
                path = code.co_filename
                if path.startswith(ROOT):
                    path = path[len(ROOT) + 1:]
                else:
                    path = Path(path).name
                stack.append(f"{path}:{frame.f_lineno} {code.co_name}")
                frame = frame.f_back
            self.samples[tuple(stack)] += 1

    def report(self, top: int = 12) -> dict[str, object]:
        """The stalled time by innermost project frame and by full project stack."""
        by_frame: Counter[str] = Counter()
        by_stack: Counter[str] = Counter()
        for stack, count in self.samples.items():
            own = [f for f in stack if f.startswith(("bot/", "bench/"))]
            by_frame[own[0] if own else stack[0]] += count
            by_stack[" < ".join((stack[0], *own[:6]))] += count
        total = sum(self.samples.values())
        return {
            "stalled_samples": total,
            "stalled_s_approx": round(total * SAMPLE, 2),
            "threshold_ms": self.threshold * 1000,
            "by_innermost_project_frame": [
                {"frame": f, "share": round(n / total, 3)} for f, n in by_frame.most_common(top)
            ] if total else [],
            "by_stack": [
                {"stack": s, "share": round(n / total, 3)} for s, n in by_stack.most_common(top)
            ] if total else [],
        }
