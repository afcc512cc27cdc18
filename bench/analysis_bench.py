"""Analysis of 100 German articles (the whole ingest-time pipeline: language, sentences, tokens, lemmas,
summary, claims, figures) against sumy's LexRank summarizer on the same texts, in the same run.

Headline: ``ratio_to_lexrank`` = our whole analysis / LexRank. LexRank is given our sentences and word
tokens for free (prepared before its clock starts; sumy's own tokenizer needs NLTK data we do not
ship), so this ratio is generous to it. Like for like: ``presplit_ratio_to_lexrank``, summary + claims
on the same pre-split sentences LexRank gets, and ``summary_ratio_to_lexrank``, the summary alone on
them (the reading of issue 21's "0.44 of sumy LexRank's time alone": summary_bench's summarizer on the
seed's pre-split sentences against LexRank on the same). Also timed: splitting with the fast path and
with SoMaJo on every paragraph (``thorough``, the reference), and a cold process's first German article.
Articles come from bench/newsgen.py (templates, not corpora). Prints JSON.

    .venv/bin/python bench/analysis_bench.py [--articles 100] [--language de]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsgen import WORKLOAD, article
from summary_bench import PreSplitTokenizer
from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.summarizers.lex_rank import LexRankSummarizer

from bot.app import default_pipeline
from bot.model import Sentence
from bot.text import sentences as sentence_module
from bot.text.lexicon import STOPWORDS
from bot.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
COLD = """
import sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
from bot.app import default_pipeline
imported = time.perf_counter()
default_pipeline().analyze({text!r})
print(time.perf_counter() - start, imported - start)
"""


def lexrank_job(sentences: list[Sentence], language: str) -> Callable[[], object]:
    words = {s.text: tuple(w for w in s.tokens if any(c.isalnum() for c in w)) for s in sentences}
    tokenizer = PreSplitTokenizer(language, words)
    document = ObjectDocumentModel([Paragraph([SumySentence(s.text, tokenizer) for s in sentences])])
    summarizer = LexRankSummarizer()
    summarizer.stop_words = STOPWORDS[language]
    return lambda: summarizer(document, 5)


def analyze_command_rss(text: str) -> float:
    """Peak RSS (MiB) of ``briefbot analyze`` on one article, in a child process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "article.txt"
        path.write_text(text, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "bot", "analyze", str(path), "--json"], cwd=ROOT,
                       capture_output=True, check=True)
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def per_item(jobs: list[Callable[[], object]]) -> list[float]:
    out = []
    for job in jobs:
        start = time.perf_counter()
        job()
        out.append(time.perf_counter() - start)
    return out


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "total_s": round(sum(times), 3),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--language", default="de", choices=["de", "en"])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians reported")
    args = parser.parse_args()
    language = args.language
    texts = [article(i, language)[1] for i in range(args.articles)]

    analyze_rss = analyze_command_rss(texts[0])  # first: children's peak RSS is the largest
    cold = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), text=texts[0])],
                          capture_output=True, text=True, check=True)
    pipeline = default_pipeline()
    pipeline.analyze(texts[0], language)  # loads the tables once, as a running bot has
    split = [split_sentences(t, language) for t in texts]
    lexrank = [lexrank_job(s, language) for s in split]
    ours = [lambda t=t: pipeline.analyze(t, language) for t in texts]
    after_split = [
        lambda t=t, s=s: (pipeline.summarizer.summarize(t, s, language),
                          pipeline.extractor.extract(t, s, language))
        for t, s in zip(texts, split, strict=True)
    ]
    summary_only = [lambda t=t, s=s: pipeline.summarizer.summarize(t, s, language)
                    for t, s in zip(texts, split, strict=True)]

    def thorough(text: str) -> object:
        sentence_module.split_sentences(text, language, thorough=True)
        return None

    somajo = [lambda t=t: thorough(t) for t in texts]
    fast = [lambda t=t: split_sentences(t, language) for t in texts]
    rounds: dict[str, list[list[float]]] = {"ours": [], "lexrank": [], "split_fast": [],
                                             "split_somajo": [], "after_split": [], "summary": []}
    for _ in range(args.rounds):
        rounds["lexrank"].append(per_item(lexrank))
        rounds["ours"].append(per_item(ours))
        rounds["after_split"].append(per_item(after_split))
        rounds["summary"].append(per_item(summary_only))
        rounds["split_fast"].append(per_item(fast))
        rounds["split_somajo"].append(per_item(somajo))
    best = {name: min(runs, key=sum) for name, runs in rounds.items()}
    identical = sum(split_sentences(t, language) == split_sentences(t, language, thorough=True)
                    for t in texts)
    result = {
        "bench": "analysis",
        "articles": len(texts),
        "language": language,
        "chars_p50": int(statistics.median(len(t) for t in texts)),
        "analysis": summary(best["ours"]),
        "lexrank_on_presplit_sentences": summary(best["lexrank"]),
        "ratio_to_lexrank": round(sum(best["ours"]) / sum(best["lexrank"]), 3),
        "target_ratio": 0.3,
        "summary_and_claims_on_presplit_sentences": summary(best["after_split"]),
        "presplit_ratio_to_lexrank": round(sum(best["after_split"]) / sum(best["lexrank"]), 3),
        "summary_on_presplit_sentences": summary(best["summary"]),
        "summary_ratio_to_lexrank": round(sum(best["summary"]) / sum(best["lexrank"]), 3),
        "split_fast_path": summary(best["split_fast"]),
        "split_somajo_everywhere": summary(best["split_somajo"]),
        "split_ratio_fast_to_somajo": round(sum(best["split_fast"]) / sum(best["split_somajo"]), 3),
        "articles_split_identically": identical,
        "cold_first_article_s": round(float(cold.stdout.split()[0]), 3),
        # of which importing bot.app (the whole composition root: aiohttp, storage, answers...)
        "cold_import_of_bot_app_s": round(float(cold.stdout.split()[1]), 3),
        "analyze_command_peak_rss_mib": analyze_rss,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "workload": WORKLOAD,
        "note": "best of --rounds by total; shared machines make absolute times noisy, read the ratios",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
