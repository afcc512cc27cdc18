"""Token-level evaluation of the claim extractor on the SpkAtt-2023 German attribution corpus.

A measure, not a test: prints JSON with precision, recall and F1 for Message and Source on a
development part and a held-out part (split by a hash of the file name, about 80/20; tune only on
"dev"). Skips when the corpus folder is absent. Never copies the corpus anywhere.

    .venv/bin/python scripts/eval_spkatt.py [--corpus DIR] [--errors N]

Scoring ("simplified", IsNested false): each gold annotation is paired with the unpaired predicted
claim whose message shares most tokens with it; message and source tokens of the pair count as true
positives, all predicted and all gold tokens as the denominators.
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

DEFAULT = ROOT.parent / "shared" / "data" / "spkatt-train"
Tokens = set[tuple[int, int]]


def split_of(name: str) -> str:
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
        return set()
    a, b = span
    return {(s, t) for s, toks in enumerate(offsets) for t, (x, y) in enumerate(toks)
            if x < b and y > a}


def gold_tokens(roles: list[str]) -> Tokens:
    return {(int(r.split(":")[0]), int(r.split(":")[1])) for r in roles}


def evaluate(corpus: Path, errors: int) -> dict[str, Any]:
    extractor = RuleClaimExtractor()
    totals: dict[str, dict[str, int]] = {}
    shown = 0
    for path in sorted(corpus.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        text, sentences, offsets = document(data)
        claims = extractor.extract(text, sentences, "de")
        pred = [(to_tokens(c.spans.message, offsets), to_tokens(c.spans.claimant, offsets), c)
                for c in claims]
        gold = [(gold_tokens(a["Message"]), gold_tokens(a["Source"]))
                for a in data["Annotations"] if not a.get("IsNested") and a["Message"]]
        t = totals.setdefault(split_of(path.name), dict.fromkeys((
            "msg_tp", "msg_pred", "msg_gold", "src_tp", "src_pred", "src_gold", "docs",
            "claims", "annotations"), 0))
        t["docs"] += 1
        t["claims"] += len(pred)
        t["annotations"] += len(gold)
        t["msg_pred"] += sum(len(m) for m, _, _ in pred)
        t["src_pred"] += sum(len(s) for _, s, _ in pred)
        t["msg_gold"] += sum(len(m) for m, _ in gold)
        t["src_gold"] += sum(len(s) for _, s in gold)
        free = list(range(len(pred)))
        for gm, gs in gold:
            best = max(free, key=lambda i: len(pred[i][0] & gm), default=None)
            if best is None or not pred[best][0] & gm:
                if shown < errors and split_of(path.name) == "dev":
                    shown += 1
                    print("MISSED", " ".join(_words(data, gm))[:160], file=sys.stderr)
                continue
            free.remove(best)
            t["msg_tp"] += len(pred[best][0] & gm)
            t["src_tp"] += len(pred[best][1] & gs)
        for i in free:
            if shown < errors and split_of(path.name) == "dev":
                shown += 1
                print("EXTRA ", pred[i][2].claimant, "|", pred[i][2].text[:140], file=sys.stderr)
    return {name: _scores(t) for name, t in sorted(totals.items())}


def _words(data: dict[str, Any], toks: Tokens) -> list[str]:
    sents = data["Sentences"]
    return [sents[s]["Tokens"][t] for s, t in sorted(toks)]


def _scores(t: dict[str, int]) -> dict[str, Any]:
    def prf(tp: int, pred: int, gold: int) -> dict[str, float]:
        p = tp / pred if pred else 0.0
        r = tp / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}

    return {
        "documents": t["docs"], "annotations": t["annotations"], "claims": t["claims"],
        "message": prf(t["msg_tp"], t["msg_pred"], t["msg_gold"]),
        "source": prf(t["src_tp"], t["src_pred"], t["src_gold"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--errors", type=int, default=0, help="print N dev errors to stderr")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(json.dumps({"skipped": f"corpus folder {args.corpus} is absent"}))
        return 0
    print(json.dumps(evaluate(args.corpus, args.errors), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
