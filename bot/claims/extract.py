"""Rule-based attribution extraction (German and English) on clean text and its stored sentences.

The engine is a line of named stages over one typed intermediate (``bot.claims.base``):

1. sentences (``base.read_document``): tokens with offsets, quote spans → ``Document``;
2. cues, each stage adding drafts (message span, cue, the source's words) to ``Attributions``:
   direct quotes (``quotes``), verb, noun and preposition frames (``cues``, ``phrases``), then
   statements without a cue verb of their own: own-voice hedges and continuations (``reported``);
3. roles (``roles``): each draft's speaker and source span, in text order;
4. claims (``statements``): one ``ExtractedClaim`` per span, with hedges and evidence, and the
   rule that found it;
5. disputes (``answers``): the claim each denial answers.

Order matters: quotes claim their speech verbs first (so "„…“, staunt X" is one quote, not also an
indirect claim); hedged statements and continuations run after the frames so they see which
sentences already have a claim; speakers are resolved last, so that pronouns and descriptions
("er", "the regulator") can refer back to the speakers before them.
"""

from __future__ import annotations

from bot.claims.answers import link_denials
from bot.claims.base import Attributions, read_document
from bot.claims.cues import attribute_frames
from bot.claims.quotes import attribute_quotes
from bot.claims.reported import continuations, hedged_statements
from bot.claims.roles import resolve_speakers
from bot.claims.statements import claims_of
from bot.model import ExtractedClaim, Sentence


class RuleClaimExtractor:
    """Implements ``bot.ports.ClaimExtractor``; stateless, cheap to share."""

    def extract(self, text: str, sentences: list[Sentence], language: str) -> list[ExtractedClaim]:
        doc = read_document(text, sentences, language)
        found = Attributions(doc)
        attribute_quotes(found)
        attribute_frames(found)
        hedged_statements(found)
        continuations(found)
        resolve_speakers(found)
        return link_denials(doc, claims_of(found))
