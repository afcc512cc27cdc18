"""Claim extraction cost as a ratio to sentence splitting of the same text (printed as JSON).

Extraction runs on stored sentences (the splitter's output is passed in), so both are timed
separately on the same clean text: the ratio says how much extraction adds to the part of ingest
that is already known to be the slowest. The whole-article figure is clean + split + extract.
Tokenizer, lemma tables and lexicons are loaded once, before timing (the first run is reported
separately as "cold").

    .venv/bin/python bench/claims_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
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
    args = parser.parse_args(argv)
    extractor = RuleClaimExtractor()
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
    print(json.dumps({
        "runs": args.runs,
        "articles": results,
        "overall_extract_to_split_ratio": round(total_extract / total_split, 3),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
