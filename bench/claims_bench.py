"""Claim extraction cost as a ratio to sentence splitting of the same text (printed as JSON).

Extraction runs on stored sentences (the splitter's output is passed in), so both are timed
separately on the same clean text: the ratio says how much extraction adds to the part of ingest
that is already known to be the slowest. The whole-article figure is clean + split + extract.
Tokenizer, lemma tables and lexicons are loaded once, before timing (the first run is reported
separately as "cold").

    .venv/bin/python bench/claims_bench.py [--runs 20] [--baseline DIR]

With ``--baseline DIR`` (another checkout, e.g. the main branch) the same bench of that checkout
runs in a subprocess, alternating with this one for ``--rounds`` rounds, and the output adds the
ratio of the medians of the seed's whole-article time (this / baseline): the figure issue 15 bounds
by 1.5. The machine may be shared: only the ratio within one run means anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.claims.extract import RuleClaimExtractor  # noqa: E402
from bot.text.clean import clean_plain_text  # noqa: E402
from bot.text.sentences import split_sentences  # noqa: E402

ARTICLES = [
    (ROOT / "seeds" / "000_642439005ccd8e9b.txt", "de"),
    *((p, "en") for p in sorted((ROOT / "tests" / "data" / "claims").glob("en_*.txt"))),
]


def median_ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.baseline is None:
        print(json.dumps(measure(args.runs), indent=2))
        return 0
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        theirs.append(_seed_ms(_baseline_run(args.baseline, args.runs)))
        mine.append(_seed_ms(measure(args.runs)))
    print(json.dumps({
        "runs": args.runs, "rounds": args.rounds, "baseline": str(args.baseline),
        "seed_whole_article_ms": {"this": mine, "baseline": theirs},
        "seed_whole_article_ratio": round(statistics.median(mine) / statistics.median(theirs), 3),
    }, indent=2))
    return 0


def _baseline_run(checkout: Path, runs: int) -> dict[str, object]:
    script = checkout / "bench" / "claims_bench.py"
    done = subprocess.run([sys.executable, str(script), "--runs", str(runs)], capture_output=True,
                          text=True, check=True, cwd=checkout)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def _seed_ms(result: dict[str, object]) -> float:
    articles = result["articles"]
    assert isinstance(articles, list)
    return float(next(a["whole_article_ms"] for a in articles if a["language"] == "de"))


def measure(runs: int) -> dict[str, object]:
    """Times of every article of ``ARTICLES`` (the seed first), as the JSON printed."""
    extractor = RuleClaimExtractor()
    args = argparse.Namespace(runs=runs)
    results = []
    for path, lang in ARTICLES:
        raw = path.read_text(encoding="utf-8")
        cold = time.perf_counter()
        text = clean_plain_text(raw).text
        sentences = split_sentences(text, lang)
        claims = extractor.extract(text, sentences, lang)
        cold_ms = (time.perf_counter() - cold) * 1000
        split_ms = median_ms(lambda: split_sentences(text, lang), args.runs)  # noqa: B023
        extract_ms = median_ms(lambda: extractor.extract(text, sentences, lang), args.runs)  # noqa: B023

        def whole() -> None:
            t = clean_plain_text(raw).text  # noqa: B023
            extractor.extract(t, split_sentences(t, lang), lang)  # noqa: B023

        whole_ms = median_ms(whole, args.runs)
        results.append({
            "article": path.name, "language": lang, "characters": len(text),
            "sentences": len(sentences), "claims": len(claims),
            "split_ms": round(split_ms, 2), "extract_ms": round(extract_ms, 2),
            "extract_to_split_ratio": round(extract_ms / split_ms, 3),
            "whole_article_ms": round(whole_ms, 2), "first_run_cold_ms": round(cold_ms, 1),
        })
    total_split = sum(r["split_ms"] for r in results)  # type: ignore[misc]
    total_extract = sum(r["extract_ms"] for r in results)  # type: ignore[misc]
    return {
        "runs": args.runs,
        "articles": results,
        "overall_extract_to_split_ratio": round(total_extract / total_split, 3),
    }


if __name__ == "__main__":
    raise SystemExit(main())
