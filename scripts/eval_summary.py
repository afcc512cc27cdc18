"""ROUGE of the article summarizer against Lead-3 on English news (REALSumm's CNN/DM articles).

A measure, not a test: prints JSON with ROUGE-1/2/Lsum F1 (stemmed, `rouge-score` from the `bench`
extra) and average words for the bot's summary and for Lead-3 of the same text, split by the same
sentence splitter, in the same run. Skips with one line when the data folder is absent. Never copies
the data anywhere.

The split is fixed before any tuning: an article whose id is an even number belongs to the "tune"
half, an odd id to the "heldout" half. Constants of bot.briefing.summary were chosen on "tune" only;
"heldout" says whether they generalise.

    .venv/bin/python scripts/eval_summary.py [--data DIR] [--half tune|heldout|both] [--words N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rouge_score import rouge_scorer  # noqa: E402

from bot.briefing.summary import SUMMARY_WORDS, ExtractiveSummarizer  # noqa: E402
from bot.text.sentences import split_sentences  # noqa: E402

CANDIDATES = (ROOT.parent / "shared" / "data" / "realsumm-dev",
              ROOT.parent.parent / "shared" / "data" / "realsumm-dev")
METRICS = ("rouge1", "rouge2", "rougeLsum")


def half_of(article_id: str) -> str:
    """The fixed split rule: even ids tune, odd ids are held out."""
    return "tune" if int(article_id) % 2 == 0 else "heldout"


def load(folder: Path) -> list[dict[str, Any]]:
    with (folder / "realsumm.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _lines(text: str) -> str:
    """One sentence a line: what rougeLsum splits summaries on."""
    return "\n".join(s.text for s in split_sentences(text, "en", lemmas=False))


def summaries(row: dict[str, Any], summarizer: ExtractiveSummarizer) -> tuple[list[str], list[str]]:
    """(the bot's bullets in order, Lead-3) of one article, from the same sentences."""
    text = row["text"]  # plain text already; clean_plain_text would take its first block as a title
    sentences = split_sentences(text, "en")
    bullets = summarizer.summarize(text, sentences, "en", max_bullets=5)
    lead = [s.text for s in sentences[:3]]
    return bullets, lead


def evaluate(rows: list[dict[str, Any]], summarizer: ExtractiveSummarizer) -> dict[str, Any]:
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    scores: dict[str, dict[str, list[float]]] = {"bot": {m: [] for m in METRICS},
                                                 "lead3": {m: [] for m in METRICS}}
    words: dict[str, list[int]] = {"bot": [], "lead3": []}
    for row in rows:
        reference = _lines(row["reference"])
        for system, picked in zip(("bot", "lead3"), summaries(row, summarizer), strict=True):
            result = scorer.score(reference, "\n".join(picked))
            for metric in METRICS:
                scores[system][metric].append(result[metric].fmeasure)
            words[system].append(sum(len(p.split()) for p in picked))
    out: dict[str, Any] = {"articles": len(rows)}
    for system, by_metric in scores.items():
        out[system] = {m: round(100 * statistics.mean(v), 2) for m, v in by_metric.items()}
        out[system]["words"] = round(statistics.mean(words[system]), 1)
    out["bot_over_lead3"] = {m: round(out["bot"][m] / out["lead3"][m], 3) for m in METRICS}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--half", choices=("tune", "heldout", "both"), default="both")
    parser.add_argument("--words", type=int, default=SUMMARY_WORDS)
    args = parser.parse_args()
    folder = args.data or next((c for c in CANDIDATES if c.is_dir()), CANDIDATES[0])
    if not (folder / "realsumm.jsonl").is_file():
        print(f"eval_summary: skipped, no realsumm.jsonl in {folder} (pass --data DIR)")
        return 0
    rows = load(folder)
    halves = ("tune", "heldout") if args.half == "both" else (args.half,)
    summarizer = ExtractiveSummarizer(summary_words=args.words)
    report = {"data": str(folder), "summary_words": args.words, "split": "even id: tune, odd: heldout"}
    for half in halves:
        report[half] = evaluate([r for r in rows if half_of(r["id"]) == half], summarizer)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
