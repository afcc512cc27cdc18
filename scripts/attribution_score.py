"""Token-level attribution scoring shared by the German and English evaluation scripts.

Both corpora are scored the same way so that their figures can be compared: each gold attribution
is paired with the unpaired predicted claim whose message shares most tokens with it (greedy, in
gold order, one-to-one), then message and source tokens of the pair count as true positives, all
predicted and all gold tokens as the denominators. "joint" pools the message and source counts
(true positives, predicted and gold tokens of both roles added up), so a claim with the right
message and a wrong claimant scores half.

``Tally.losses`` sorts the lost tokens into error classes (what a note lists as the largest remaining
errors): gold tokens of attributions no claim found (``missed``), of the sources of paired claims
that have no source (``source_none``), a source elsewhere (``source_wrong``) or part of it
(``source_short``), of messages found in part (``message_short``); and predicted tokens that are
no gold tokens: of claims with no gold partner (``extra``), of paired claims' messages and sources
beyond the gold span (``message_long``, ``source_long``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Tokens = frozenset[Any]
COUNTS = ("msg_tp", "msg_pred", "msg_gold", "src_tp", "src_pred", "src_gold",
          "docs", "claims", "annotations", "missed", "extra")
LOSSES = ("missed", "source_none", "source_wrong", "source_short", "message_short", "extra",
          "message_long", "source_long")


@dataclass
class Tally:
    """Running counts of one split."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    losses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LOSSES, 0))

    def add_document(
        self,
        predicted: list[tuple[Tokens, Tokens]],
        gold: list[tuple[Tokens, Tokens]],
        on_miss: Callable[[int], None] | None = None,
        on_extra: Callable[[int], None] | None = None,
    ) -> None:
        """Pairs one document's claims with its gold attributions and adds the counts."""
        c = self.counts
        c["docs"] += 1
        c["claims"] += len(predicted)
        c["annotations"] += len(gold)
        c["msg_pred"] += sum(len(m) for m, _ in predicted)
        c["src_pred"] += sum(len(s) for _, s in predicted)
        c["msg_gold"] += sum(len(m) for m, _ in gold)
        c["src_gold"] += sum(len(s) for _, s in gold)
        free = list(range(len(predicted)))
        for index, (gold_msg, gold_src) in enumerate(gold):
            best = max(free, key=lambda i: len(predicted[i][0] & gold_msg), default=None)
            if best is None or not predicted[best][0] & gold_msg:
                c["missed"] += 1
                self.losses["missed"] += len(gold_msg) + len(gold_src)
                if on_miss is not None:
                    on_miss(index)
                continue
            free.remove(best)
            c["msg_tp"] += len(predicted[best][0] & gold_msg)
            c["src_tp"] += len(predicted[best][1] & gold_src)
            self.pair_losses(predicted[best], (gold_msg, gold_src))
        c["extra"] += len(free)
        self.losses["extra"] += sum(len(predicted[i][0]) + len(predicted[i][1]) for i in free)
        if on_extra is not None:
            for i in free:
                on_extra(i)

    def pair_losses(self, pred: tuple[Tokens, Tokens], gold: tuple[Tokens, Tokens]) -> None:
        (pred_msg, pred_src), (gold_msg, gold_src) = pred, gold
        lost = self.losses
        lost["message_short"] += len(gold_msg - pred_msg)
        lost["message_long"] += len(pred_msg - gold_msg)
        lost["source_long"] += len(pred_src - gold_src)
        if not gold_src:
            return
        if not pred_src:
            lost["source_none"] += len(gold_src)
        elif not pred_src & gold_src:
            lost["source_wrong"] += len(gold_src)
        else:
            lost["source_short"] += len(gold_src - pred_src)

    def scores(self, losses: bool = False) -> dict[str, Any]:
        c = self.counts
        out: dict[str, Any] = {
            "documents": c["docs"], "annotations": c["annotations"], "claims": c["claims"],
            "missed": c["missed"], "extra": c["extra"],
            "message": prf(c["msg_tp"], c["msg_pred"], c["msg_gold"]),
            "source": prf(c["src_tp"], c["src_pred"], c["src_gold"]),
            "joint": prf(c["msg_tp"] + c["src_tp"], c["msg_pred"] + c["src_pred"],
                         c["msg_gold"] + c["src_gold"]),
        }
        if losses:
            out["losses"] = dict(sorted(self.losses.items(), key=lambda kv: -kv[1]))
        return out


def prf(tp: int, pred: int, gold: int) -> dict[str, float]:
    precision = tp / pred if pred else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
