"""The typed intermediate of the extraction stages (``Document``, ``Draft``, ``Attributions``)
and what every stage shares (``Stage``: lookups, the subject of a cue)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.claims import frames as F
from bot.claims.claimants import np_forward
from bot.claims.doc import SentenceTokens, Tok, build
from bot.model import Sentence, Span

# ''…'' (doubled apostrophes, as some newspapers print quotes) is matched from its second
# opening to its first closing apostrophe, so that the text between the match's ends is the quote
QUOTE = re.compile(
    r"(?<=')(?<![^\s(\[—–-]')'(?=[^\s'])[^\n]*?(?<=\S)'(?=')|„[^„“”\n]*?[“”]|»[^»«\n]*?«|«[^«»\n]*?»|“[^“”\n]*?”|\"[^\"\n]*?\"|‚[^‚‘\n]*?‘"
    r"|(?<!\w)'(?=\w)[^'\n]{3,}?(?<=[\w.!?,])'(?!\w)"
)


@dataclass
class Draft:
    """One attribution on its way to a claim: the cue stages set the message span (``start``,
    ``end``), the cue and the words naming the source (``who``, unresolved) or the draft it
    inherits its speaker from; "roles" sets ``speaker`` and ``speaker_span``."""

    start: int
    end: int
    sent: int
    kind: str
    cue: str | None
    cue_span: Span | None
    who: list[Tok] | None = None  # the tokens that name the source, as the sentence has them
    inherit: Draft | None = None
    own_voice: bool = False
    hedges: list[str] = field(default_factory=list)
    text: str | None = None
    introducer: bool = False
    speaker: str | None = None
    speaker_span: Span | None = None
    fallback: bool = False  # a Konjunktiv I sentence: the speaker is the last one named nearby
    source_from: int | None = None  # where the source phrase starts when it is wider than the
    # speaker's name ("nach Angaben der Polizei": "Angaben der Polizei")
    rule: str = ""  # which pattern found it (shown as "rule" in analyze --json)
    source_to: int | None = None  # where the source phrase ends when it is wider than the
    # speaker's word ("nach dessen Angaben": "dessen Angaben")
    anaphor: Span | None = None  # the word that points back to the speaker ("demnach"): the
    # source span the reader sees in this sentence
    through: int | None = None  # last sentence of a passage that runs over several sentences


@dataclass(frozen=True)
class Document:
    """Stage "sentences": the clean text, its language, its sentences as tokens with offsets,
    and where its direct quotes are (``inside``: one byte per character, 1 within a quote)."""

    text: str
    lang: str
    sents: list[SentenceTokens]
    quotes: list[tuple[int, int]]
    inside: bytearray


def read_document(text: str, sentences: list[Sentence], language: str) -> Document:
    """The first stage: tokens aligned to the text once per item, and the quote spans."""
    lang = "de" if language == "de" else "en"
    quotes = [(m.start(), m.end()) for m in QUOTE.finditer(text)]
    inside = bytearray(len(text) + 1)
    for a, b in quotes:
        inside[a + 1: b - 1] = b"\x01" * max(0, b - a - 2)
    return Document(text, lang, build(text, sentences, lang), quotes, inside)


@dataclass
class Attributions:
    """The one intermediate the stages after "sentences" extend, in order: the cue stages add
    drafts (message span, cue, the subject's tokens) and mark the cue tokens quotes took
    (``used``: (sentence, token)); "roles" fills each draft's speaker; "claims" reads them."""

    doc: Document
    drafts: list[Draft] = field(default_factory=list)
    used: set[tuple[int, int]] = field(default_factory=set)


class Stage:
    """What every stage reads of the intermediate, and the helpers they share."""

    def __init__(self, found: Attributions) -> None:
        self.found = found
        self.text = found.doc.text
        self.sents = found.doc.sents
        self.lang = found.doc.lang
        self.quotes = found.doc.quotes
        self.inside = found.doc.inside
        self.used = found.used

    @property
    def drafts(self) -> list[Draft]:
        return self.found.drafts

    @drafts.setter
    def drafts(self, kept: list[Draft]) -> None:
        self.found.drafts = kept

    # --- helpers ------------------------------------------------------------------------------

    def sent_of(self, pos: int) -> SentenceTokens | None:
        for s in self.sents:
            if s.start <= pos < s.end:
                return s
        return None

    def in_quote(self, pos: int) -> bool:
        return 0 <= pos < len(self.inside) and bool(self.inside[pos])

    def span_of(self, toks: tuple[Tok, ...], a: int, b: int) -> tuple[int, int]:
        return (toks[a].start, toks[b - 1].end)

    def add(self, draft: Draft) -> Draft:
        self.drafts.append(draft)
        return draft

    def in_sent(self, index: int) -> list[Draft]:
        return [draft for draft in self.drafts if index in (draft.sent, draft.through)]

    def subject(self, s: SentenceTokens, i: int) -> tuple[list[Tok] | None, Draft | None]:
        toks = s.toks
        if toks[i].low in F.PARTICIPLES or (i and toks[i - 1].text == "," and self.lang == "en"
                                            and toks[i].low.endswith("ing")):
            earlier = [draft for draft in self.in_sent(s.index)
                       if draft.cue_span and draft.cue_span[0] < toks[i].start]
            if earlier:
                return None, earlier[-1]
            if self.lang == "en":  # "On Sunday, Mr. Trump echoed …, saying …": the main subject
                return _english_main_subject(toks, i, self.lang), None
            return np_forward(toks, 0, self.lang), None
        if self.lang == "de":
            if i > 1 and toks[i - 1].low == "und":  # "Lumen wies … zurück und erklärte, …"
                earlier = [draft for draft in self.in_sent(s.index)
                           if draft.cue_span and draft.cue_span[0] < toks[i].start and draft.who]
                if earlier:
                    return None, earlier[-1]
            subj = F.german_subject(toks, i, self.lang) or F.inverted_subject(toks, i, self.lang)
            if subj is not None:
                return subj, None
            return np_forward(toks, F.skip_de_adverbs(toks, i + 1), self.lang) or None, None
        got = F.english_subject(toks, i, self.lang)
        if got == "and":
            earlier = [draft for draft in self.in_sent(s.index)
                       if draft.cue_span and draft.cue_span[0] < toks[i].start]
            if not earlier and self.lang == "en":  # "He endorsed Clinton, but told …"
                return _english_main_subject(toks, i, self.lang), None
            return None, (earlier[-1] if earlier else None)
        return (got if isinstance(got, list) else None), None


def _english_main_subject(toks: tuple[Tok, ...], i: int, language: str) -> list[Tok] | None:
    """The subject of the clause a participle (", saying …") hangs on: the sentence's first noun
    phrase, or the first one after an opening phrase ("On Sunday, Mr. Trump …")."""
    first = np_forward(toks, 0, language)
    if first:
        return first
    comma = next((t.i for t in toks[:i] if t.text == ","), None)
    if comma is None:
        return None
    return np_forward(toks, comma + 1, language) or None
