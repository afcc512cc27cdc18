"""Stage "roles": who each draft's source is, and the span of the phrase that names it.

Speakers are resolved in text order, so that pronouns and descriptions ("er", "the regulator")
refer back to the speakers named before them (``claimants.Resolver``); a draft that inherits (a
continuation, a participle) takes its host's speaker, a cue-less Konjunktiv sentence the last one
named nearby. Sets ``Draft.speaker`` and ``Draft.speaker_span``; drafts keep their order.
"""

from __future__ import annotations

from bot.claims import coref
from bot.claims import frames as F
from bot.claims.base import Attributions, Draft, Stage
from bot.claims.claimants import Resolver, is_role, np_forward
from bot.claims.doc import QUOTE_CHARS, Tok
from bot.claims.lexicon import DETERMINERS, DOCUMENT_WORDS
from bot.model import Span

_EN_NOT_MODIFIER = {  # words that end a speaker phrase read backwards
    "said", "says", "told", "and", "but", "or", "that", "which", "who", "when", "while", "if",
    "as", "is", "was", "are", "were", "has", "had", "have", "in", "on", "at", "to", "for", "by",
    "with", "from", "of", "after", "before", "also", "then", "even", "yesterday", "today",
    "meanwhile", "however", "instead", "now", "later", "asked", "having", "according",
}
_AS_WRITTEN = ("preposition", "nach_frame", "wonach")  # frames whose source is named as is
_RECENT = 8  # sentences back that a cue-less Konjunktiv sentence looks for the last speaker


def resolve_speakers(found: Attributions) -> None:
    """Every draft's speaker and source span (own-voice drafts keep none)."""
    SpeakerRoles(found).resolve()


class SpeakerRoles(Stage):
    def resolve(self) -> None:
        resolver = Resolver(self.text, self.sents, self.lang, quotes=self.quotes)
        for d in self.drafts:
            if d.own_voice:
                continue
            if d.fallback:
                window = self.sents[max(0, d.sent - 2)].start
                d.speaker, d.speaker_span = resolver.last_mention(window, d.start)
                if d.speaker is None or d.anaphor is not None:  # the last claim's speaker
                    self.inherit_recent(d)
            elif d.inherit is not None:
                d.speaker, d.speaker_span = d.inherit.speaker, d.inherit.speaker_span
            elif d.np:
                d.speaker, d.speaker_span = self.speaker_of(resolver, d, d.np)

    def inherit_recent(self, d: Draft) -> None:
        """Reported speech goes on after a sentence or two of narration: the speaker of the last
        attributed claim within _RECENT sentences before, if any ("demnach" keeps its own span)."""
        for e in reversed([e for e in self.drafts if e.start < d.start and e.speaker]):
            if d.sent - (e.through or e.sent) <= _RECENT and not e.own_voice:
                d.speaker, d.speaker_span = e.speaker, d.anaphor or e.speaker_span
                d.np = d.np or e.np
            return

    def speaker_of(self, resolver: Resolver, d: Draft, np: list[Tok]) -> tuple[str | None, Span | None]:
        """A name (canonical, apposition, document), else an anaphor's referent, else the
        description as written; with the span of the phrase that names it in this sentence."""
        name, span = resolver.canonical(np)
        person, where = self.apposition(resolver, np)
        if person is not None and where is not None and resolver.person_score(person) == 2 \
                and (name is None or resolver.person_score(name) < 2):
            name, span = person, where  # "Der Sprecher des Ministeriums, Max Muster, …"
        if name is not None:
            phrase = [x for x in np if x.text not in QUOTE_CHARS] or np
            span = (phrase[0].start, max(phrase[-1].end, span[1] if span else 0))
        if name is None:
            name, span = self.apposition(resolver, np)
        name = self.earlier_document(np, name)
        if name is None:
            name = resolver.resolve_anaphor(np, np[0].start)
            span = (np[0].start, np[-1].end)
            if name is None and self.lang == "de" and F.is_pronoun(np) and \
                    np[0].low in ("er", "sie"):
                name = np[0].text[:1].upper() + np[0].text[1:]  # nobody fits: kept as written
            if name is None and not F.is_pronoun(np):
                name = resolver.description(np)
                if name is None and self.lang == "de" and d.rule in _AS_WRITTEN:
                    name = self.text[np[0].start:np[-1].end]  # "laut ai-Bericht", "laut taz"
                if name is not None:
                    resolver.mention(np[0].start, name, 1)
            elif name is None and np[0].low in coref.pronouns(self.lang):
                name = coref.as_written([np[0].text])  # nobody fits: "He", never dropped
        if name is not None and span is not None:
            resolver.mention(span[0], name, resolver.person_score(name))
        if span is not None and d.source_from is not None:
            span = (min(span[0], d.source_from), span[1])
        if span is not None and self.lang == "de":
            span = (span[0], max(span[1], d.source_to or 0, self.apposition_end(np)))
        if span is not None and self.lang == "en" and name is not None:
            span = self.english_modifiers(np, span)
            span = self.english_apposition(np, span, d.cue_span)
        return name, span

    def apposition_end(self, np: list[Tok]) -> int:
        """"Lothar Nicht, Ordnungsdezernent der Stadt Cottbus, sprach": the source phrase the
        reader sees runs through a noun-phrase apposition closed by a comma (not through an
        adjective phrase or a relative clause)."""
        toks = self.sents[np[-1].sent].toks
        k = np[-1].i + 1
        if k + 1 >= len(toks) or toks[k].text != "," or not (
            toks[k + 1].cap or toks[k + 1].low in ("ein", "eine", "einer")
        ):
            return 0
        appos = np_forward(toks, k + 1, self.lang)
        close = appos[-1].i + 1 if appos else k
        if appos and close < len(toks) and toks[close].text == "," and close + 1 < len(toks) and \
                F.cue_at(toks, close + 1, self.lang) is not None:
            return appos[-1].end
        return 0

    def english_apposition(self, np: list[Tok], span: Span, cue: Span | None) -> Span:
        """"Dan Ives, an analyst at Wedbush Securities, said": the source phrase the corpora mark
        runs over the apposition (or relative clause) between the name and the cue, or after the
        name to the sentence end ("…," said Dan Ives, an analyst at Wedbush)."""
        toks = self.sents[np[-1].sent].toks
        k = np[-1].i + 1
        if cue is not None and k + 1 < len(toks) and toks[k].low in ("of", "at") and np[-1].cap:
            place = np_forward(toks, k + 1, "en")  # "Mr. Burman of the Tax Policy Center"
            if place and any(t.cap for t in place) and (
                    place[-1].start < cue[0] or cue[0] < np[0].start):
                span = (span[0], max(span[1], place[-1].end))
                k = place[-1].i + 1
        if cue is None or k + 1 >= len(toks) or toks[k].text != "," or not np[-1].cap:
            return span
        first = toks[k + 1]
        if not (first.low in DETERMINERS or first.low in ("who", "whose") or is_role(first, "en")
                or (not first.cap and first.word)):
            return span
        j = k + 1
        while j < len(toks) and j - k <= 40 and toks[j].text not in (".", ";", ":", "!", "?",
                                                                       "(", "—", "–") \
                and toks[j].text not in QUOTE_CHARS and toks[j].start != cue[0]:
            if toks[j].text == "," and not (cue[0] > toks[j].start and any(
                    t.text == "," for t in toks[j + 1:] if t.start < cue[0])):
                break  # the last comma before the cue ("a broker based in Tampa, Fla., who …,")
            j += 1
        if j >= len(toks) or j == k + 1 or toks[j].start == cue[0]:
            return span
        after = toks[j + 1] if j + 1 < len(toks) else None
        closes_before_cue = toks[j].text == "," and after is not None and (
            after.start == cue[0] or (after.low in F.EN_AUX and j + 2 < len(toks)
                                      and toks[j + 2].start == cue[0]))
        closes_sentence = cue[0] < np[0].start and toks[j].text in (".", "!", "?") and after is None
        if closes_before_cue or closes_sentence:
            return (span[0], max(span[1], toks[j - 1].end))
        return span

    def english_modifiers(self, np: list[Tok], span: Span) -> Span:
        """"Republican presidential candidate Donald Trump said": the source phrase the reader
        sees includes the words that describe the speaker before the name (up to a determiner,
        a comma or the sentence start), as the corpora mark it."""
        toks = self.sents[np[0].sent].toks
        j = np[0].i - 1
        first = np[0].i
        while j >= 0 and np[0].i - j <= 6 and toks[j].word and toks[j].low not in _EN_NOT_MODIFIER:
            first = j
            if toks[j].low in DETERMINERS:
                break
            j -= 1
        if first < np[0].i and (first == 0 or toks[first].low in DETERMINERS
                                or toks[first - 1].text in (",", "(", "—", "–")):
            return (min(span[0], toks[first].start), span[1])
        return span

    def earlier_document(self, np: list[Tok], name: str | None) -> str | None:
        """"Dem Bericht zufolge" after "im Bericht der Netzagentur": the document named in full."""
        words = [t for t in np if t.low not in DETERMINERS]
        if not words or not DOCUMENT_WORDS.fullmatch(words[0].low):
            return name
        if len(words) > 1:  # "dem Bericht der Netzagentur": the document and whose it is
            return self.text[words[0].start:np[-1].end] if self.lang == "de" else name
        for d in reversed([d for d in self.drafts if d.start < np[0].start and d.speaker]):
            speaker = d.speaker or ""
            if speaker.split()[0].casefold() == words[0].low and " " in speaker:
                return speaker
        return name

    def apposition(self, resolver: Resolver, np: list[Tok]) -> tuple[str | None, Span | None]:
        """"Italy's data protection authority, the Garante, ...": the name in the apposition."""
        toks = self.sents[np[-1].sent].toks
        k = np[-1].i + 1
        if k + 1 < len(toks) and toks[k].text == ",":
            appos = np_forward(toks, k + 1, self.lang)
            if appos and appos[-1].i + 1 < len(toks) and toks[appos[-1].i + 1].text == ",":
                return resolver.canonical(appos)
        return None, None
