"""Token-level evaluation of the English claim extractor on the PolNeAR attribution corpus.

A measure, not a test: prints JSON with precision, recall and F1 for message (Content), source and
both pooled ("joint") on a development part and a held-out part. Skips when the corpus folder is
absent. Never copies the corpus anywhere.

    .venv/bin/python scripts/eval_polnear.py [--corpus DIR] [--errors N]

Split by document, fixed before any tuning: the sorted article names are shuffled with
random.Random(SEED) and the first fifth (168 of 840) is held out. Tune only on "dev".
Scoring is scripts/attribution_score.py (shared with the German script); tokens are the words of
the article (regex \\w+), so punctuation never counts.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.claims.extract import RuleClaimExtractor  # noqa: E402
from bot.model import Sentence  # noqa: E402
from bot.text.sentences import split_sentences  # noqa: E402
from scripts.attribution_score import Tally  # noqa: E402

DEFAULT = next((base / "shared" / "data" / "polnear-train" for base in (ROOT.parent, ROOT.parent.parent)
                if (base / "shared" / "data" / "polnear-train").is_dir()),
               ROOT.parent / "shared" / "data" / "polnear-train")  # beside the checkout or a worktree
SEED = 20261201
HELDOUT_SHARE = 5  # one in five
Tokens = frozenset[tuple[int, int]]
_WORD = re.compile(r"\w+")


def splits(names: list[str]) -> dict[str, str]:
    """Name → "dev" or "heldout"; deterministic for a given set of names."""
    order = sorted(names)
    random.Random(SEED).shuffle(order)
    cut = len(order) // HELDOUT_SHARE
    return {name: ("heldout" if i < cut else "dev") for i, name in enumerate(order)}


def word_tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def to_tokens(spans: list[tuple[int, int]], words: list[tuple[int, int]]) -> Tokens:
    return frozenset(w for w in words for a, b in spans if w[0] < b and w[1] > a)


def gold_attributions(ann: str) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]], str]]:
    """(content spans, source spans, source surface) per attribution of a brat file."""
    spans: dict[str, tuple[list[tuple[int, int]], str]] = {}
    events: list[dict[str, str]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            ranges = parts[1].split(" ", 1)[1]
            found = [(int(a), int(b)) for a, b in
                     (r.split() for r in ranges.split(";"))]
            spans[parts[0]] = (found, parts[2] if len(parts) > 2 else "")
        elif line.startswith("E") and len(parts) >= 2:
            events.append(dict(arg.split(":", 1) for arg in parts[1].split()))
    out = []
    for event in events:
        content = spans.get(event.get("Content", ""))
        if content is None:
            continue
        source = spans.get(event.get("Source", ""), ([], ""))
        out.append((content[0], source[0], source[1]))
    return out


def sentences_of(text: str, name: str, cache: Path | None) -> list[Sentence]:
    """SoMaJo is the slow part: with ``--cache DIR`` (outside the project) splits are kept."""
    if cache is None:
        return split_sentences(text, "en", lemmas=False)
    path = cache / f"{name}.pickle"
    if path.is_file():
        found: list[Sentence] = pickle.loads(path.read_bytes())
        return found
    found = split_sentences(text, "en", lemmas=False)
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(found))
    return found


def evaluate(corpus: Path, errors: int, cache: Path | None = None,
             losses: bool = False) -> dict[str, Any]:
    extractor = RuleClaimExtractor()
    names = sorted(p.stem for p in (corpus / "text").glob("*.txt"))
    split = splits(names)
    tallies: dict[str, Tally] = {}
    shown = [0]
    for name in names:
        text = (corpus / "text" / f"{name}.txt").read_text(encoding="utf-8")
        ann_path = corpus / "attributions" / f"{name}.ann"
        ann = ann_path.read_text(encoding="utf-8") if ann_path.is_file() else ""
        words = word_tokens(text)
        claims = extractor.extract(text, sentences_of(text, name, cache), "en")
        pred = [(to_tokens([c.spans.message], words),
                 to_tokens([c.spans.claimant] if c.spans.claimant else [], words))
                for c in claims]
        rows = gold_attributions(ann)
        gold = [(to_tokens(c, words), to_tokens(s, words)) for c, s, _ in rows]
        show = errors > 0 and split[name] == "dev"

        def miss(i: int, show: bool = show, text: str = text, rows: list[Any] = rows) -> None:
            if show and shown[0] < errors:
                shown[0] += 1
                content = " ".join(text[a:b] for a, b in rows[i][0])
                print("MISSED", rows[i][2][:40], "|", content[:140].replace("\n", " "),
                      file=sys.stderr)

        def extra(i: int, show: bool = show, claims: list[Any] = claims) -> None:
            if show and shown[0] < errors:
                shown[0] += 1
                print("EXTRA ", claims[i].claimant, "|", claims[i].text[:140], file=sys.stderr)

        tallies.setdefault(split[name], Tally()).add_document(pred, gold, miss, extra)
    return {name: t.scores(losses) for name, t in sorted(tallies.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--errors", type=int, default=0, help="print N dev errors to stderr")
    parser.add_argument("--losses", action="store_true",
                        help="lost tokens per error class (scripts/attribution_score.py)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep sentence splits here (a folder outside the project)")
    args = parser.parse_args(argv)
    if not (args.corpus / "text").is_dir():
        print(json.dumps({"skipped": f"corpus folder {args.corpus} is absent"}))
        return 0
    print(json.dumps(evaluate(args.corpus, args.errors, args.cache, args.losses), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
