"""Stage "claims": one claim per attributed span, with its hedges and evidence status.

A draft becomes a claim when it has a speaker (or is in the article's own voice) and a span no
earlier draft took; the claim's text is exactly the source's characters of that span. Hedges are
the reporting hedge plus hedge words in the message; evidence is read from the claim's sentence
outside the message and from the next sentence when that has no claim of its own (``evidence``).
"""

from __future__ import annotations

import re

from bot.claims.base import Attributions, Draft, Stage
from bot.claims.evidence import evidence_status
from bot.claims.lexicon import HEDGES
from bot.model import ClaimSpans, ExtractedClaim

_FIGURE = re.compile(r"\d[\d.,]*\s*(?:%|Prozent|percent|Millionen|Milliarden|million|billion|"
                     r"Mio\.|Mrd\.)?")


def claims_of(found: Attributions) -> list[ExtractedClaim]:
    """The claims of the resolved drafts, in the drafts' order."""
    stage = Claims(found)
    out: list[ExtractedClaim] = []
    seen: set[tuple[int, int]] = set()
    for d in stage.drafts:
        if d.introducer or (d.speaker is None and not d.own_voice):
            continue
        if (d.start, d.end) in seen or d.end <= d.start:
            continue
        seen.add((d.start, d.end))
        out.append(stage.claim(d))
    return out


class Claims(Stage):
    def claim(self, d: Draft) -> ExtractedClaim:
        message = self.text[d.start:d.end]  # exactly the source's characters
        hedges = list(d.hedges)
        for w in re.findall(r"\b\w+\b", self.text[d.start:d.end]):
            if w in HEDGES[self.lang] and w not in hedges and not (d.own_voice and hedges):
                hedges.append(w)
        s = self.sents[d.sent]
        frame = self.text[s.start:d.start] + " " * (d.end - d.start) + self.text[d.end:s.end]
        follow = None
        if d.sent + 1 < len(self.sents):
            nxt = self.sents[d.sent + 1]
            if nxt.paragraph == s.paragraph and not self.in_sent(nxt.index):
                follow = self.text[nxt.start:nxt.end]
        phrase = None
        if d.np:
            phrase = self.text[d.np[0].start:d.np[-1].end]
        evidence = evidence_status(frame, phrase, follow)
        return ExtractedClaim(
            text=message,
            claimant=d.speaker,
            kind=d.kind,
            cue=d.cue,
            hedged=bool(hedges),
            hedges=tuple(hedges),
            evidence=evidence,
            spans=ClaimSpans(message=(d.start, d.end), claimant=d.speaker_span, cue=d.cue_span),
            figures=tuple(m.group(0).strip() for m in _FIGURE.finditer(message)),
            rule=d.rule,
        )
