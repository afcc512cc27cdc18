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
    for draft in stage.drafts:
        if draft.introducer or (draft.speaker is None and not draft.own_voice):
            continue
        if (draft.start, draft.end) in seen or draft.end <= draft.start:
            continue
        seen.add((draft.start, draft.end))
        out.append(stage.claim(draft))
    return out


class Claims(Stage):
    def claim(self, draft: Draft) -> ExtractedClaim:
        message = self.text[draft.start:draft.end]  # exactly the source's characters
        hedges = list(draft.hedges)
        for w in re.findall(r"\b\w+\b", self.text[draft.start:draft.end]):
            if w in HEDGES[self.lang] and w not in hedges and not (draft.own_voice and hedges):
                hedges.append(w)
        s = self.sents[draft.sent]
        frame = self.text[s.start:draft.start] + " " * (draft.end - draft.start) + self.text[draft.end:s.end]
        follow = None
        if draft.sent + 1 < len(self.sents):
            nxt = self.sents[draft.sent + 1]
            if nxt.paragraph == s.paragraph and not self.in_sent(nxt.index):
                follow = self.text[nxt.start:nxt.end]
        phrase = None
        if draft.who:
            phrase = self.text[draft.who[0].start:draft.who[-1].end]
        evidence = evidence_status(frame, phrase, follow)
        return ExtractedClaim(
            text=message,
            claimant=draft.speaker,
            kind=draft.kind,
            cue=draft.cue,
            hedged=bool(hedges),
            hedges=tuple(hedges),
            evidence=evidence,
            spans=ClaimSpans(message=(draft.start, draft.end), claimant=draft.speaker_span,
                             cue=draft.cue_span),
            figures=tuple(m.group(0).strip() for m in _FIGURE.finditer(message)),
            rule=draft.rule,
        )
