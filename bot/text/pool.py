"""Text analysis in worker processes, so that the bot's event loop never waits for it.

Splitting, summaries, claims and figures are pure Python: in a thread of the bot's process they hold
the interpreter lock the event loop needs, and a poll of a few hundred items delays every command
and heartbeat by seconds. ``AnalysisPool`` runs them in ``[ingest] processes`` worker processes
instead. Each worker receives the pipeline once (its initializer) and analyses one text first, so
that the lexicons, SoMaJo's tables and the lemma files are loaded once per worker, not per item.

Workers are forked from a fork server that has imported the pipeline's modules, so a new worker
starts in milliseconds and shares those pages; the bot's own threads (database, fetcher) are never
forked. Texts go to the workers in chunks and come back as ``Analysis`` values (plain data), with
what the caller's ``facts_of`` derives from each (topic scores, story keys) when it gives one:
the bot's process stores every item and runs the ledger, so work moved here is work it saves.

A worker that dies (killed, out of memory) breaks the executor: the texts in flight fail with
``WorkerDied`` (the caller leaves those items for the next poll) and the next call starts new
workers. ``processes = 0`` analyses in a thread of this process (tests, tiny installs).

A bot that dies without closing the pool (SIGKILL, out of memory) must not leave its workers
behind (about 100 MiB each): they would wait for texts forever, and keep the fork server alive
with them. Each worker watches the bot's process through a pidfd and ends when it ends (Linux 5.3
and later; elsewhere there is no guard). ``PR_SET_PDEATHSIG`` would not do: a worker's parent is
the fork server, not the bot, and that signal follows the thread that forked, not the process.
The fork server itself ends once the bot and every worker are gone (its own "alive" pipe).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import select
import signal
import threading
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from bot.errors import IngestError
from bot.model import Analysis
from bot.text.pipeline import TextPipeline

CHUNK = 8  # texts per task: few enough to stream results, enough to make a round trip cheap
# analysed once by each new worker, so that its first item does not pay for loading the tables
_WARM_UP = (
    ("de", "Die Ministerin sagte am Dienstag in Berlin, die Zahl sei um 3,5 Prozent gestiegen."),
    ("en", "The minister said on Tuesday in London that the figure rose by 3.5 percent."),
)


@dataclass(frozen=True)
class Job:
    text: str
    language: str | None = None
    title: str = ""  # read only by the pool's ``facts_of`` (topics and story keys use it)


@dataclass(frozen=True)
class Failed:
    """A text whose analysis raised (a bug in one step): only that item is skipped."""

    reason: str


Outcome = Analysis | Failed


@dataclass(frozen=True)
class ItemFacts:
    """What the caller derives from an analysed item besides its analysis (topic scores, story
    keys): computed in the analysis process that made the analysis, so that the bot's process,
    which stores every item and runs the ledger, does not compute them too."""

    topic_scores: Mapping[str, int]
    story_keys: frozenset[str]


FactsOf = Callable[[Job, Analysis], ItemFacts]


@dataclass(frozen=True)
class Analysed:
    analysis: Analysis
    facts: ItemFacts | None  # None when the pool has no ``facts_of``


class WorkerDied(IngestError):
    """An analysis process ended while it held texts; they were not analysed."""


_pipeline: TextPipeline | None = None  # a worker process's pipeline, set by its initializer
_facts_of: FactsOf | None = None  # and what it derives beside each analysis


def _start_worker(pipeline: TextPipeline, facts_of: FactsOf | None, bot: int) -> None:
    global _pipeline, _facts_of  # one pipeline per worker process, set once at its start
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the bot, which stops the workers
    end_with(bot)
    _pipeline, _facts_of = pipeline, facts_of
    for language, text in _WARM_UP:
        pipeline.analyze(text, language)


def end_with(bot: int) -> bool:
    """End this process as soon as process ``bot`` has ended, however it ended; False when this
    system cannot watch it (no pidfds: not Linux, or older than 5.3)."""
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        handle = os.pidfd_open(bot)
    except ProcessLookupError:
        os._exit(1)  # gone already: nobody will send texts
    except OSError:  # no pidfds in this kernel or sandbox
        return False
    threading.Thread(target=_exit_when_readable, args=(handle,), name="end-with-bot",
                     daemon=True).start()
    return True


def _exit_when_readable(handle: int) -> None:
    select.select([handle], [], [])  # a pidfd turns readable when its process has ended
    os._exit(1)  # no cleanup to do: the texts in hand have nobody to go to


def _analyze_chunk(jobs: list[Job]) -> list[Analysed | Failed]:
    assert _pipeline is not None, "worker started without its initializer"
    return analyze_jobs(_pipeline, jobs, _facts_of)


def analyze_jobs(pipeline: TextPipeline, jobs: Sequence[Job],
                 facts_of: FactsOf | None = None) -> list[Analysed | Failed]:
    return [_analyze_one(pipeline, job, facts_of) for job in jobs]


def _analyze_one(pipeline: TextPipeline, job: Job, facts_of: FactsOf | None) -> Analysed | Failed:
    try:
        analysis = pipeline.analyze(job.text, job.language)
        return Analysed(analysis, facts_of(job, analysis) if facts_of is not None else None)
    except Exception as e:  # a bug in one analysis step must not cost the other items
        return Failed(f"{type(e).__name__}: {e}")


def _preload(pipeline: TextPipeline, *more: object) -> list[str]:
    """What the fork server imports once for all its workers: the main module (as the standard
    library's default does, so that no worker imports it again), the modules the pipeline's parts
    live in, and ``bot.text.warm``, which builds the tokenizers and tables."""
    parts = (pipeline, pipeline.summarizer, pipeline.extractor, pipeline.figures, *more)
    modules = {__name__, *(part.__module__ for part in parts)} - {"__main__"}
    return ["__main__", *sorted(modules), "bot.text.warm"]


class AnalysisPool:
    """Analyses texts in ``processes`` worker processes (0: in a thread of this one), and derives
    ``facts_of`` each analysed text there too (``analysed_batches``).

    The workers start with the first texts and stop with ``close()``.
    """

    def __init__(self, pipeline: TextPipeline, processes: int,
                 facts_of: FactsOf | None = None) -> None:
        self.pipeline = pipeline
        self.processes = processes
        self.facts_of = facts_of
        self._executor: ProcessPoolExecutor | None = None

    def _workers(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            more = () if self.facts_of is None else (self.facts_of,)
            context.set_forkserver_preload(_preload(self.pipeline, *more))
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_start_worker,
                initargs=(self.pipeline, self.facts_of, os.getpid()))
        return self._executor

    def worker_pids(self) -> list[int]:
        """The process ids of the running workers (for benchmarks and tests)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    async def analyze(self, jobs: Sequence[Job]) -> list[Outcome]:
        """Every job's outcome, in order.

        Raises:
            WorkerDied: a worker process ended while it held some of the jobs.
        """
        return [outcome async for batch in self.batches(jobs) for outcome in batch]

    async def batches(self, jobs: Sequence[Job]) -> AsyncIterator[list[Outcome]]:
        """The outcomes of consecutive chunks of ``jobs``, in order, each as soon as it and those
        before it are done: the caller stores one while the workers analyse the next.

        Raises:
            WorkerDied: a worker process ended while it held some of the jobs; the chunks
                before it were given.
        """
        async for batch in self.analysed_batches(jobs):
            yield [o.analysis if isinstance(o, Analysed) else o for o in batch]

    async def analysed_batches(self, jobs: Sequence[Job]) -> AsyncIterator[list[Analysed | Failed]]:
        """As ``batches``, each analysis with its ``facts_of`` (made in the same process).

        Raises:
            WorkerDied: a worker process ended while it held some of the jobs; the chunks
                before it were given.
        """
        chunks = [list(jobs[i:i + CHUNK]) for i in range(0, len(jobs), CHUNK)]
        if self.processes == 0:
            for chunk in chunks:
                yield await asyncio.to_thread(analyze_jobs, self.pipeline, chunk, self.facts_of)
            return
        executor = self._workers()
        try:
            # in a thread: a submit may start a worker, which waits for the fork server (seconds
            # while it imports, at the first start) and must not hold up the event loop
            futures = await asyncio.to_thread(_submit, executor, chunks)
        except BrokenProcessPool as e:
            raise self._died(executor) from e
        try:
            for future in futures:
                try:
                    yield await asyncio.wrap_future(future)
                except BrokenProcessPool as e:
                    raise self._died(executor) from e
        finally:
            for future in futures:
                _forget(future)

    def _died(self, executor: ProcessPoolExecutor) -> WorkerDied:
        if self._executor is executor:
            self._executor = None  # the next call starts new workers
        executor.shutdown(wait=False, cancel_futures=True)
        return WorkerDied("an analysis process died (killed or out of memory); its items are "
                          "analysed again at the next poll")

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)


def _submit(executor: ProcessPoolExecutor,
            chunks: list[list[Job]]) -> list[Future[list[Analysed | Failed]]]:
    return [executor.submit(_analyze_chunk, chunk) for chunk in chunks]


def _forget(future: Future[list[Analysed | Failed]]) -> None:
    """Drop a chunk nobody waits for any more (the caller stopped early or a worker died)."""
    if not future.cancel() and future.done():
        future.exception()  # retrieved, so that it is not logged as never retrieved
