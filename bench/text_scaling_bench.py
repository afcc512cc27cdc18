"""How the analysis pipeline's cost grows with text length, below ``[text] max_chars``.

Analyses texts of 10k, 100k and 200k characters (the seed article's paragraphs, numbered and
repeated to length, so sentences stay realistic and no two paragraphs are identical) and times each
step of ``TextPipeline.analyze`` separately. Prints JSON: seconds per 100k characters for each size
and step, and the ratio of the 200k rate to the 10k rate (1.0 is linear; a step whose ratio is well
above 1 grows super-linearly). Ratios, not seconds, are what to compare between machines.

    .venv/bin/python bench/text_scaling_bench.py [--sizes 10000,100000,200000] [--repeat 3]
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

from bot.app import default_pipeline
from bot.text.clean import clean_plain_text
from bot.text.pipeline import TextPipeline
from bot.text.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT / "seeds").glob("*.txt"))


def text_of(chars: int) -> str:
    paragraphs = clean_plain_text(SEED.read_text(encoding="utf-8")).text.split("\n\n")
    out: list[str] = []
    size = 0
    n = 0
    while size < chars:
        paragraph = f"Teil {n // len(paragraphs) + 1}: {paragraphs[n % len(paragraphs)]}"
        out.append(paragraph)
        size += len(paragraph) + 2
        n += 1
    return "\n\n".join(out)[:chars]


def seconds(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def measure(pipeline: TextPipeline, chars: int, repeat: int) -> dict[str, float]:
    text = text_of(chars)
    sentences = split_sentences(text, "de")
    steps: dict[str, Callable[[], object]] = {
        "sentences": lambda: split_sentences(text, "de"),
        "summary": lambda: pipeline.summarizer.summarize(text, sentences, "de", max_bullets=5),
        "claims": lambda: pipeline.extractor.extract(text, sentences, "de"),
        "figures": lambda: pipeline.figures(text, sentences, "de"),
        "analyze": lambda: pipeline.analyze(text, "de"),
    }
    per_100k = 100_000 / chars
    return {name: seconds(fn, repeat) * per_100k for name, fn in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,200000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pipeline = default_pipeline()
    pipeline.analyze(text_of(5_000), "de")  # warm-up: models, lexicons, caches
    rates = {size: measure(pipeline, size, args.repeat) for size in sizes}
    smallest, largest = rates[sizes[0]], rates[sizes[-1]]
    print(json.dumps({
        "bench": "text_scaling",
        "unit": "seconds per 100k characters (median of runs)",
        "sizes": sizes,
        "seconds_per_100k": {str(size): {k: round(v, 4) for k, v in rate.items()}
                             for size, rate in rates.items()},
        f"ratio_{sizes[-1]}_to_{sizes[0]}": {
            k: round(largest[k] / smallest[k], 2) if smallest[k] else None for k in largest},
        "note": "1.0 is linear; the machine may be shared, compare ratios only",
    }, indent=2))


if __name__ == "__main__":
    main()
