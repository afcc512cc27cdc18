"""The analysis pool: the same analyses as in-process, with one or more worker processes or none;
a failing text costs only itself; a dying worker raises WorkerDied and the next call works again."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import default_pipeline
from bot.briefing.figures import extract_figures
from bot.claims.extract import RuleClaimExtractor
from bot.text.clean import clean_plain_text
from bot.text.pipeline import TextPipeline
from bot.text.pool import AnalysisPool, Failed, Job, WorkerDied
from tests.fakes.pipelines import CRASH, RAISE, Misbehaving

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "data").rglob("*.txt"))


def fixture_jobs() -> list[Job]:
    texts = [clean_plain_text(p.read_text(encoding="utf-8")).text for p in FIXTURES]
    return [Job(text) for text in texts if text.strip()] + [Job("Kurz.", "de"), Job("", "en")]


def misbehaving() -> TextPipeline:
    return TextPipeline(summarizer=Misbehaving(), extractor=RuleClaimExtractor(),
                        figures=extract_figures)


@pytest.mark.parametrize("processes", [0, 1, 2])
async def test_same_analyses_as_in_process(processes: int) -> None:
    jobs = fixture_jobs()
    assert len(jobs) > 10
    pipeline = default_pipeline()
    expected = [pipeline.analyze(job.text, job.language) for job in jobs]
    pool = AnalysisPool(pipeline, processes)
    try:
        assert await pool.analyze(jobs) == expected
        assert len(pool.worker_pids()) == processes
    finally:
        await pool.close()
    assert pool.worker_pids() == []


async def test_a_failing_text_costs_only_itself() -> None:
    pool = AnalysisPool(misbehaving(), 1)
    try:
        good, bad, also_good = await pool.analyze(
            [Job("Die Ministerin sagte, es sei gut.", "de"), Job(f"{RAISE} steht hier.", "de"),
             Job("The minister said it was good.", "en")])
    finally:
        await pool.close()
    assert isinstance(bad, Failed) and bad.reason == "RuntimeError: a bug in the summary"
    assert not isinstance(good, Failed) and not isinstance(also_good, Failed)
    assert good.language == "de" and also_good.language == "en"


async def test_a_dying_worker_raises_and_the_next_call_starts_new_ones() -> None:
    pool = AnalysisPool(misbehaving(), 1)
    try:
        (before,) = await pool.analyze([Job("Die Ministerin sagte, es sei gut.", "de")])
        first = pool.worker_pids()
        with pytest.raises(WorkerDied, match="analysed again at the next poll"):
            await pool.analyze([Job(f"{CRASH} hier.", "de"), Job("Noch ein Text.", "de")])
        (after,) = await pool.analyze([Job("Die Ministerin sagte, es sei gut.", "de")])
        assert after == before
        assert pool.worker_pids() and pool.worker_pids() != first
    finally:
        await pool.close()
