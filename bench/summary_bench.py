"""Summarizer speed against sumy's LexRank in the same run, both on the same pre-split sentences and
word tokens (splitting is timed separately). Prints JSON; ratio = ours / LexRank (target <= 0.5).

    .venv/bin/python bench/summary_bench.py [--repeat 50] [--file seeds/000_....txt]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.briefing.summary import ExtractiveSummarizer
from bot.text.clean import clean_plain_text
from bot.text.language import detect_language
from bot.text.lexicon import STOPWORDS
from bot.text.sentences import split_sentences


class PreSplitTokenizer:
    """sumy's tokenizer protocol over our stored sentences: no NLTK data, no re-tokenizing."""

    def __init__(self, language: str, words: dict[str, tuple[str, ...]]) -> None:
        self.language = language
        self._words = words

    def to_sentences(self, paragraph: str) -> list[str]:
        return [paragraph]

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return self._words[sentence]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    fn()  # warm-up
    runs = []
    result: object = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main() -> None:
    parser = argparse.ArgumentParser()
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--file", type=Path,
                        default=root / "seeds" / "000_642439005ccd8e9b.txt")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    text = clean_plain_text(args.file.read_text(encoding="utf-8")).text
    language = detect_language(text)
    t = time.perf_counter()
    sentences = split_sentences(text, language)
    split_cold = time.perf_counter() - t
    split_warm, _ = timed(lambda: split_sentences(text, language), max(3, args.repeat // 10))

    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    words = {s.text: tuple(w for w in s.tokens if any(c.isalnum() for c in w)) for s in sentences}
    tokenizer = PreSplitTokenizer(language, words)
    document = ObjectDocumentModel(
        [Paragraph([SumySentence(s.text, tokenizer) for s in sentences])]
    )
    lexrank = LexRankSummarizer()
    lexrank.stop_words = STOPWORDS.get(language, STOPWORDS["en"])
    ours = ExtractiveSummarizer()

    ours_t, bullets = timed(lambda: ours.summarize(text, sentences, language), args.repeat)
    lex_t, lex_result = timed(lambda: lexrank(document, 5), args.repeat)
    print(json.dumps({
        "file": args.file.name,
        "language": language,
        "sentences": len(sentences),
        "split_cold_ms": round(split_cold * 1000, 1),
        "split_warm_ms": round(split_warm * 1000, 2),
        "ours_ms": round(ours_t * 1000, 3),
        "lexrank_ms": round(lex_t * 1000, 3),
        "ratio": round(ours_t / lex_t, 3),
        "target_ratio": 0.5,
        "ours_chars": sum(len(b) for b in bullets),  # type: ignore[attr-defined]
        "lexrank_chars": sum(len(str(s)) for s in lex_result),  # type: ignore[attr-defined]
    }, indent=2))


if __name__ == "__main__":
    main()
