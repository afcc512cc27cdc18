"""Token-level attribution scoring shared by the German and English evaluation scripts.

Both corpora are scored the same way so that their figures can be compared: each gold attribution
is paired with the unpaired predicted claim whose message shares most tokens with it (greedy, in
gold order, one-to-one), then message and source tokens of the pair count as true positives, all
predicted and all gold tokens as the denominators. "joint" pools the message and source counts
(true positives, predicted and gold tokens of both roles added up), so a claim with the right
message and a wrong claimant scores half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Tokens = frozenset[Any]
COUNTS = ("msg_tp", "msg_pred", "msg_gold", "src_tp", "src_pred", "src_gold",
          "docs", "claims", "annotations", "missed", "extra")


@dataclass
class Tally:
    """Running counts of one split."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))

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
                if on_miss is not None:
                    on_miss(index)
                continue
            free.remove(best)
            c["msg_tp"] += len(predicted[best][0] & gold_msg)
            c["src_tp"] += len(predicted[best][1] & gold_src)
        c["extra"] += len(free)
        if on_extra is not None:
            for i in free:
                on_extra(i)

    def scores(self) -> dict[str, Any]:
        c = self.counts
        return {
            "documents": c["docs"], "annotations": c["annotations"], "claims": c["claims"],
            "missed": c["missed"], "extra": c["extra"],
            "message": prf(c["msg_tp"], c["msg_pred"], c["msg_gold"]),
            "source": prf(c["src_tp"], c["src_pred"], c["src_gold"]),
            "joint": prf(c["msg_tp"] + c["src_tp"], c["msg_pred"] + c["src_pred"],
                         c["msg_gold"] + c["src_gold"]),
        }


def prf(tp: int, pred: int, gold: int) -> dict[str, float]:
    precision = tp / pred if pred else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
