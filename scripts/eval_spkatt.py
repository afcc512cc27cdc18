"""Token-level evaluation of the claim extractor on the SpkAtt-2023 German attribution corpus.

A measure, not a test: prints JSON with precision, recall and F1 for Message and Source on a
development part and a held-out part (split by a hash of the file name, about 80/20; tune only on
"dev"). Skips when the corpus folder is absent. Never copies the corpus anywhere.

    .venv/bin/python scripts/eval_spkatt.py [--corpus DIR] [--errors N] [--rules]

Scoring ("simplified", IsNested false) is scripts/attribution_score.py, shared with the English
script: greedy one-to-one pairing by message-token overlap, token-level P/R/F1 of message, source
and both pooled ("joint"). The split is by document: held-out = SHA-1 of the file name, first byte
divisible by 5 (157 of the 700 files); it was fixed before any tuning. ``--rules`` adds, per split,
the claims of each rule (``ExtractedClaim.rule``): how many were paired with a gold attribution,
how many were extra, and their token precision (message and source pooled), the first place to
look for false positives.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.claims.extract import RuleClaimExtractor  # noqa: E402
from bot.model import Sentence  # noqa: E402
from scripts.attribution_score import Tally  # noqa: E402

DEFAULT = next((base / "shared" / "data" / "spkatt-train" for base in (ROOT.parent, ROOT.parent.parent)
                if (base / "shared" / "data" / "spkatt-train").is_dir()),
               ROOT.parent / "shared" / "data" / "spkatt-train")  # beside the checkout or a worktree
Tokens = frozenset[tuple[int, int]]


def split_of(name: str) -> str:
    """Held-out = first byte of SHA-1(file name) divisible by 5 (about 20%), fixed before tuning."""
    return "heldout" if hashlib.sha1(name.encode("utf-8")).digest()[0] % 5 == 0 else "dev"


def document(data: dict[str, Any]) -> tuple[str, list[Sentence], list[list[tuple[int, int]]]]:
    """Text rebuilt from the corpus tokens (one space between tokens), sentences with offsets."""
    parts: list[str] = []
    sentences: list[Sentence] = []
    offsets: list[list[tuple[int, int]]] = []
    pos = 0
    for sent in data["Sentences"]:
        toks = list(sent["Tokens"])
        start = pos
        spans = []
        for tok in toks:
            spans.append((pos, pos + len(tok)))
            parts.append(tok)
            pos += len(tok) + 1
            parts.append(" ")
        sentences.append(Sentence(start, pos - 1, " ".join(toks), tuple(toks), ()))
        offsets.append(spans)
    return "".join(parts), sentences, offsets


def to_tokens(span: tuple[int, int] | None, offsets: list[list[tuple[int, int]]]) -> Tokens:
    if span is None:
        return frozenset()
    a, b = span
    return frozenset((s, t) for s, toks in enumerate(offsets) for t, (x, y) in enumerate(toks)
                     if x < b and y > a)


def gold_tokens(roles: list[str]) -> Tokens:
    return frozenset((int(r.split(":")[0]), int(r.split(":")[1])) for r in roles)


def evaluate(corpus: Path, errors: int, rules: bool = False, losses: bool = False) -> dict[str, Any]:
    extractor = RuleClaimExtractor()
    tallies: dict[str, Tally] = {}
    by_rule: dict[str, dict[str, dict[str, int]]] = {}
    shown = [0]
    for path in sorted(corpus.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text, sentences, offsets = document(data)
        claims = extractor.extract(text, sentences, "de")
        pred = [(to_tokens(c.spans.message, offsets), to_tokens(c.spans.claimant, offsets))
                for c in claims]
        gold_rows = [a for a in data["Annotations"] if not a.get("IsNested") and a["Message"]]
        gold = [(gold_tokens(a["Message"]), gold_tokens(a["Source"])) for a in gold_rows]
        split = split_of(path.name)
        show = errors > 0 and split == "dev"

        def miss(i: int, show: bool = show, gold_rows: list[Any] = gold_rows,
                 data: dict[str, Any] = data, gold: list[tuple[Tokens, Tokens]] = gold) -> None:
            if show and shown[0] < errors:
                shown[0] += 1
                row = gold_rows[i]
                print("MISSED", row.get("Form"), "|", " ".join(_words(data, gold[i][1]))[:40],
                      "|", " ".join(_words(data, gold[i][0]))[:140], file=sys.stderr)

        def extra(i: int, show: bool = show, claims: list[Any] = claims) -> None:
            if show and shown[0] < errors:
                shown[0] += 1
                print("EXTRA ", claims[i].claimant, "|", claims[i].text[:140], file=sys.stderr)

        tallies.setdefault(split, Tally()).add_document(pred, gold, miss, extra)
        if rules:
            _count_rules(by_rule.setdefault(split, {}), claims, pred, gold)
    out: dict[str, Any] = {name: t.scores(losses) for name, t in sorted(tallies.items())}
    for split, counts in by_rule.items():
        out[split]["rules"] = {
            rule: {**c, "precision": round(c["tp"] / c["tokens"], 3) if c["tokens"] else 0.0}
            for rule, c in sorted(counts.items(), key=lambda kv: -kv[1]["tokens"])
        }
    return out


def _count_rules(counts: dict[str, dict[str, int]], claims: list[Any],
                 pred: list[tuple[Tokens, Tokens]], gold: list[tuple[Tokens, Tokens]]) -> None:
    """The pairing of scripts/attribution_score.py again, with each claim's rule kept."""
    free = list(range(len(pred)))
    for gold_msg, gold_src in gold:
        best = max(free, key=lambda i: len(pred[i][0] & gold_msg), default=None)
        if best is None or not pred[best][0] & gold_msg:
            continue
        free.remove(best)
        c = counts.setdefault(claims[best].rule, dict.fromkeys(("paired", "extra", "tp", "tokens"), 0))
        c["paired"] += 1
        c["tp"] += len(pred[best][0] & gold_msg) + len(pred[best][1] & gold_src)
        c["tokens"] += len(pred[best][0]) + len(pred[best][1])
    for i in free:
        c = counts.setdefault(claims[i].rule, dict.fromkeys(("paired", "extra", "tp", "tokens"), 0))
        c["extra"] += 1
        c["tokens"] += len(pred[i][0]) + len(pred[i][1])


def _words(data: dict[str, Any], toks: Tokens) -> list[str]:
    sents = data["Sentences"]
    return [sents[s]["Tokens"][t] for s, t in sorted(toks)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--errors", type=int, default=0, help="print N dev errors to stderr")
    parser.add_argument("--losses", action="store_true",
                        help="lost tokens per error class (scripts/attribution_score.py)")
    parser.add_argument("--rules", action="store_true", help="per-rule pairing and precision")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(json.dumps({"skipped": f"corpus folder {args.corpus} is absent"}))
        return 0
    print(json.dumps(evaluate(args.corpus, args.errors, args.rules, args.losses), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
