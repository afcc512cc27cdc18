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
        for draft in self.drafts:
            if draft.own_voice:
                continue
            if draft.fallback:
                window = self.sents[max(0, draft.sent - 2)].start
                draft.speaker, draft.speaker_span = resolver.last_mention(window, draft.start)
                if draft.speaker is None or draft.anaphor is not None:  # the last claim's speaker
                    self.inherit_recent(draft)
            elif draft.inherit is not None:
                draft.speaker, draft.speaker_span = draft.inherit.speaker, draft.inherit.speaker_span
            elif draft.who:
                draft.speaker, draft.speaker_span = self.speaker_of(resolver, draft, draft.who)

    def inherit_recent(self, draft: Draft) -> None:
        """Reported speech goes on after a sentence or two of narration: the speaker of the last
        attributed claim within _RECENT sentences before, if any ("demnach" keeps its own span)."""
        earlier = next((e for e in reversed(self.drafts) if e.start < draft.start and e.speaker),
                       None)
        if earlier is None or earlier.own_voice:
            return
        if draft.sent - (earlier.through or earlier.sent) <= _RECENT:
            draft.speaker, draft.speaker_span = earlier.speaker, draft.anaphor or earlier.speaker_span
            draft.who = draft.who or earlier.who

    def speaker_of(self, resolver: Resolver, draft: Draft, who: list[Tok]) -> tuple[str | None, Span | None]:
        """A name (canonical, apposition, document), else an anaphor's referent, else the
        description as written; with the span of the phrase that names it in this sentence."""
        name, span = resolver.canonical(who)
        person, where = self.apposition(resolver, who)
        if person is not None and where is not None and resolver.person_score(person) == 2 \
                and (name is None or resolver.person_score(name) < 2):
            name, span = person, where  # "Der Sprecher des Ministeriums, Max Muster, …"
        if name is not None:
            phrase = [x for x in who if x.text not in QUOTE_CHARS] or who
            span = (phrase[0].start, max(phrase[-1].end, span[1] if span else 0))
        if name is None:
            name, span = self.apposition(resolver, who)
        name = self.earlier_document(who, name)
        if name is None:
            name = resolver.resolve_anaphor(who, who[0].start)
            span = (who[0].start, who[-1].end)
            if name is None and self.lang == "de" and F.is_pronoun(who) and \
                    who[0].low in ("er", "sie"):
                name = who[0].text[:1].upper() + who[0].text[1:]  # nobody fits: kept as written
            if name is None and not F.is_pronoun(who):
                name = resolver.description(who)
                if name is None and self.lang == "de" and draft.rule in _AS_WRITTEN:
                    name = self.text[who[0].start:who[-1].end]  # "laut ai-Bericht", "laut taz"
                if name is not None:
                    resolver.mention(who[0].start, name, 1)
            elif name is None and who[0].low in coref.pronouns(self.lang):
                name = coref.as_written([who[0].text])  # nobody fits: "He", never dropped
        if name is not None and span is not None:
            resolver.mention(span[0], name, resolver.person_score(name))
        if span is not None and draft.source_from is not None:
            span = (min(span[0], draft.source_from), span[1])
        if span is not None and self.lang == "de":
            span = (span[0], max(span[1], draft.source_to or 0, self.apposition_end(who)))
        if span is not None and self.lang == "en" and name is not None:
            span = self.english_modifiers(who, span)
            span = self.english_apposition(who, span, draft.cue_span)
        return name, span

    def apposition_end(self, who: list[Tok]) -> int:
        """"Lothar Nicht, Ordnungsdezernent der Stadt Cottbus, sprach": the source phrase the
        reader sees runs through a noun-phrase apposition closed by a comma (not through an
        adjective phrase or a relative clause)."""
        toks = self.sents[who[-1].sent].toks
        k = who[-1].i + 1
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

    def english_apposition(self, who: list[Tok], span: Span, cue: Span | None) -> Span:
        """"Dan Ives, an analyst at Wedbush Securities, said": the source phrase the corpora mark
        runs over the apposition (or relative clause) between the name and the cue, or after the
        name to the sentence end ("…," said Dan Ives, an analyst at Wedbush)."""
        toks = self.sents[who[-1].sent].toks
        k = who[-1].i + 1
        if cue is not None and k + 1 < len(toks) and toks[k].low in ("of", "at") and who[-1].cap:
            place = np_forward(toks, k + 1, "en")  # "Mr. Burman of the Tax Policy Center"
            if place and any(t.cap for t in place) and (
                    place[-1].start < cue[0] or cue[0] < who[0].start):
                span = (span[0], max(span[1], place[-1].end))
                k = place[-1].i + 1
        if cue is None or k + 1 >= len(toks) or toks[k].text != "," or not who[-1].cap:
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
        closes_sentence = cue[0] < who[0].start and toks[j].text in (".", "!", "?") and after is None
        if closes_before_cue or closes_sentence:
            return (span[0], max(span[1], toks[j - 1].end))
        return span

    def english_modifiers(self, who: list[Tok], span: Span) -> Span:
        """"Republican presidential candidate Donald Trump said": the source phrase the reader
        sees includes the words that describe the speaker before the name (up to a determiner,
        a comma or the sentence start), as the corpora mark it."""
        toks = self.sents[who[0].sent].toks
        j = who[0].i - 1
        first = who[0].i
        while j >= 0 and who[0].i - j <= 6 and toks[j].word and toks[j].low not in _EN_NOT_MODIFIER:
            first = j
            if toks[j].low in DETERMINERS:
                break
            j -= 1
        if first < who[0].i and (first == 0 or toks[first].low in DETERMINERS
                                or toks[first - 1].text in (",", "(", "—", "–")):
            return (min(span[0], toks[first].start), span[1])
        return span

    def earlier_document(self, who: list[Tok], name: str | None) -> str | None:
        """"Dem Bericht zufolge" after "im Bericht der Netzagentur": the document named in full."""
        words = [t for t in who if t.low not in DETERMINERS]
        if not words or not DOCUMENT_WORDS.fullmatch(words[0].low):
            return name
        if len(words) > 1:  # "dem Bericht der Netzagentur": the document and whose it is
            return self.text[words[0].start:who[-1].end] if self.lang == "de" else name
        for draft in reversed([e for e in self.drafts if e.start < who[0].start and e.speaker]):
            speaker = draft.speaker or ""
            if speaker.split()[0].casefold() == words[0].low and " " in speaker:
                return speaker
        return name

    def apposition(self, resolver: Resolver, who: list[Tok]) -> tuple[str | None, Span | None]:
        """"Italy's data protection authority, the Garante, ...": the name in the apposition."""
        toks = self.sents[who[-1].sent].toks
        k = who[-1].i + 1
        if k + 1 < len(toks) and toks[k].text == ",":
            appos = np_forward(toks, k + 1, self.lang)
            if appos and appos[-1].i + 1 < len(toks) and toks[appos[-1].i + 1].text == ",":
                return resolver.canonical(appos)
        return None, None
