"""Stage "cues", part 2: speech, thought, denial and prediction verbs, and the phrase frames.

Each sentence's tokens are read once, left to right; the first frame that matches a token adds a
draft (message span, cue, the subject's tokens still unresolved): prepositions and nouns
(``phrases.PhraseFrames``), then cue verbs with their complement (a that/dass clause, a colon, a
comma plus Konjunktiv, a bare clause). Nested frames are dropped afterwards ("Acme expects …,
Lena Park said" is Lena Park's claim).
"""

from __future__ import annotations

import re

from bot.claims import frames as F
from bot.claims.base import Attributions, Draft
from bot.claims.claimants import np_forward
from bot.claims.doc import QUOTE_CHARS, SentenceTokens, Tok
from bot.claims.lexicon import (
    CLAIM_NOUNS,
    DENIALS,
    DETERMINERS,
    DOUBT_NOUNS,
    DOUBT_VERBS,
    INTEND_FORMS,
    INTRODUCERS,
    MENTAL_LEMMAS,
    PREDICT_LEMMAS,
    SURFACE,
)
from bot.claims.phrases import PhraseFrames

_ZU_INFIX = re.compile(  # "vorzugehen", "abzuschreiben": a separable verb's zu-infinitive
    r"(?:ab|an|auf|aus|bei|ein|fest|her|hin|mit|nach|vor|weg|zurück|zusammen|los|dar|durch|um|"
    r"wieder|frei|teil|statt|bereit|fort|heraus|hinaus|weiter|voran|herbei|hinzu)zu\w{3,}en")
_HEADLINE_LABELS = {"update", "updated", "exclusive", "watch", "video", "breaking", "photos",
                    "photo", "analysis", "opinion", "note", "related", "read", "live", "editor",
                    "q", "a", "poll", "report", "listen", "correction", "sources", "source"}
_PASSIVE_AUX = {"de": {"wird", "wurde", "werden", "wurden"},
                "en": {"is", "was", "are", "were", "been", "be"}}
# words that open a purpose or adverbial clause, never reported speech
_NOT_A_MESSAGE = {"um", "statt", "anstatt", "da", "während", "weil", "wenn", "obwohl",
                  "nachdem", "falls", "sobald", "bevor", "indem"}
# verbs that predicate something of an object ("bezeichnete X als Y"): the object and its
# predicate are the message (a statement about X, not a bare noun phrase)
_PREDICATING = {"bezeichnen", "werten", "betrachten", "bewerten", "einstufen"}


def attribute_frames(found: Attributions) -> None:
    """Add the drafts of every frame in every sentence, then drop the nested ones."""
    stage = CueFrames(found)
    for s in stage.sents:
        if stage.lang == "en":
            stage.colon_source(s)
        stage.frames(s)
    stage.drop_nested()


class CueFrames(PhraseFrames):
    def colon_source(self, s: SentenceTokens) -> None:
        """"Graham: Trump’s rhetoric is destroying the party" (headline style): a name, a colon,
        then what the named one said."""
        toks = s.toks
        who = np_forward(toks, 0, self.lang, limit=4)
        k = who[-1].i + 1 if who else 0
        if not who or k >= len(toks) or toks[k].text != ":" or not all(t.cap for t in who) or \
                who[0].low in _HEADLINE_LABELS or self.in_quote(toks[0].start):
            return
        first = k + 1
        while first < len(toks) and toks[first].text in QUOTE_CHARS:
            first += 1
        end = F.clause_end(toks, first, self.lang, stop_cues=False)
        while end > first and toks[end - 1].text in QUOTE_CHARS:
            end -= 1
        if end - first < 3:
            return
        a, b = self.span_of(toks, first, end)
        self.used.add((s.index, k))
        self.add(Draft(a, b, s.index, "indirect", ":", (toks[k].start, toks[k].end), who=who,
                       rule="colon_source"))


    def frames(self, s: SentenceTokens) -> None:
        toks = s.toks
        for t in toks:
            # every frame starts at a word (the triggers below and every cue verb are words)
            if not t.word or (s.index, t.i) in self.used or self.in_quote(t.start):
                continue
            if (self.lang == "de" and t.low in ("laut", "gemäß", "zufolge")) or (
                self.lang == "en" and t.low == "according" and t.i + 1 < len(toks)
                and toks[t.i + 1].low == "to"
            ):
                self.prep(s, t)
                continue
            if t.low in ("wie", "as") and self.wie_frame(s, t):
                continue
            if self.lang == "de" and t.low == "so" and self.so_frame(s, t):
                continue
            if self.lang == "de" and t.low in ("heißt", "hieß") and self.heisst_es(s, t):
                continue
            if self.lang == "de" and t.low == "nach" and self.nach(s, t):
                continue
            if self.lang == "de" and t.low == "demnach" and self.demnach(s, t):
                continue
            if self.lang == "de" and t.low == "wonach" and self.wonach(s, t):
                continue
            if t.low in CLAIM_NOUNS[self.lang] and self.lang == "de":
                self.noun(s, t)
                continue
            if t.low in DOUBT_NOUNS and t.i > 0:
                verb = next((x for x in toks[max(0, t.i - 3): t.i] if x.low in DOUBT_VERBS), None)
                if verb is not None:
                    self.doubt(s, verb, t)
                continue
            intend = t.low if self.lang == "de" else (SURFACE["en"].get(t.low) or t.lemma)
            if intend in INTEND_FORMS[self.lang] and not t.cap and self.intention(s, t):
                continue
            cue = F.cue_at(toks, t.i, self.lang)
            if cue is not None:
                self.verb(s, cue)

    def verb(self, s: SentenceTokens, cue: F.Cue) -> None:
        toks = s.toks
        i = cue.index
        who, inherit = self.subject(s, i)
        expletive = who is not None and len(who) == 1 and who[0].low in ("es", "it")
        if ((who is None and inherit is None) or expletive) and self.passive(s, cue):
            return
        if who is None and inherit is None:
            return
        kind = "prediction" if cue.lemma in PREDICT_LEMMAS else "indirect"
        if _is_denial(cue, toks, self.lang):
            self.denial(s, cue, who, inherit)
            return
        p = i + 1
        if who and who[0].i > i:
            p = who[-1].i + 1
        text_override = None
        msg: tuple[int, int] | None = None
        if self.lang == "de":
            p = F.skip_de_adverbs(toks, p)
            msg, kind, text_override = self.german_message(toks, cue, who, p, kind)
        else:
            if cue.lemma == "tell":
                k = p
                while k < min(len(toks), p + 4) and toks[k].low != "that" and toks[k].word:
                    k += 1
                p = k if k < len(toks) and (toks[k].low == "that" or k == p + 1) else p
            msg = self.en_message(toks, p)
        if msg is None and self.lang == "en" and who and 2 < who[0].i < i:
            msg = self.en_message_before(toks, who, i)
        if msg is None and self.lang == "de" and who and self.points_back(s, cue, who, kind):
            return
        if cue.lemma in MENTAL_LEMMAS[self.lang] and not _clausal(toks, msg, p):
            return  # "found the body", "weiß es nicht": a thought verb needs its clause
        if msg is None:
            if cue.lemma in INTRODUCERS or (who and any(x.cap for x in who)) or inherit:
                self.add(Draft(toks[0].start, toks[-1].end, s.index, "introducer", None, None,
                               who=who, inherit=inherit, introducer=True))
            return
        a, b = self.span_of(toks, *msg)
        self.add(Draft(a, b, s.index, kind, cue.label(toks), cue.span(toks), who=who,
                       inherit=inherit, text=text_override, rule="speech_verb"))

    def german_message(
        self, toks: tuple[Tok, ...], cue: F.Cue, who: list[Tok] | None, p: int, kind: str
    ) -> tuple[tuple[int, int] | None, str, str | None]:
        """The message of a German speech verb (from ``p``, after the speaker), the kind, and the
        text without an inserted frame ("Das Gesetz, sagte sie, sei gut")."""
        i = cue.index
        msg: tuple[int, int] | None
        text = None
        if i > 0 and toks[i - 1].text == "," and p < len(toks) and toks[p].text == "," and (
            not who or who[0].i > i  # not "Der Sprecher, Max Muster, sagte, …"
        ):
            end = F.clause_end(toks, 0, self.lang)
            msg = (0, end)
            a, b = toks[i - 1].start, toks[p].end
            text = self.text[toks[0].start:a] + " " + self.text[b:toks[end - 1].end]
        else:
            msg = self.de_message(toks, p, cue)
        if msg is None and i > 2 and toks[i - 1].text == "," and who and who[0].i > i and \
                self.tail_only(toks, who[-1].i + 1):
            msg = (0, i - 1)  # "..., sagte Henderson weiter."
            kind = "indirect" if F.has_konjunktiv(toks, 0) else kind
        if msg is not None and toks[msg[0]].low in _NOT_A_MESSAGE:
            msg = None  # "um … zu gehen", "Da … verlaufen": a purpose or adverbial clause
        return msg, kind, text

    def points_back(self, s: SentenceTokens, cue: F.Cue, who: list[Tok], kind: str) -> bool:
        """"… Spuren von Iod gefunden. Das berichtet die Agentur Kyodo.": the sentence before is
        the message of a speaker named after "Das"/"Dies" + cue."""
        toks = s.toks
        if s.index == 0 or toks[0].low not in ("das", "dies") or cue.index > 2 or \
                who[0].i <= cue.index or not self.tail_only(toks, who[-1].i + 1):
            return False
        before = self.sents[s.index - 1]
        if before.paragraph != s.paragraph or self.in_sent(before.index) or not before.toks or \
                self.in_quote(before.toks[0].start):
            return False
        end = F.clause_end(before.toks, 0, self.lang, stop_cues=False)
        if end < 4:
            return False
        self.add(Draft(before.toks[0].start, before.toks[end - 1].end, before.index, kind,
                       cue.label(toks), cue.span(toks), who=who, rule="points_back"))
        return True

    def en_message_before(self, toks: tuple[Tok, ...], who: list[Tok], i: int) -> tuple[int, int] | None:
        """The message before a speaker named after a comma: "…, Devine said, by …" (the whole
        sentence around the parenthetical) or "…, the news site X reported." (up to the comma)."""
        if toks[who[0].i - 1].text == "," and i + 1 < len(toks) and toks[i + 1].text == ",":
            return (0, F.clause_end(toks, 0, self.lang, stop_cues=False))
        if not self.tail_only(toks, i + 1):
            return None
        comma = next((c for c in range(who[0].i - 1, max(1, who[0].i - 5), -1)
                      if toks[c].text == ","), None)
        if comma is not None and all(t.word and not t.cap for t in toks[comma + 1:who[0].i]):
            return (0, comma)  # "..., chief executive Lena Park said"
        return None

    def passive(self, s: SentenceTokens, cue: F.Cue) -> bool:
        """"Es wird vermutet, dass …", "it is believed that …": a claim nobody is named for
        (claimant null, kind reported, the passive as its hedge), only with its clause."""
        toks = s.toks
        i = cue.index
        aux = next((t for t in toks[max(0, i - 4):i] if t.low in _PASSIVE_AUX[self.lang]), None)
        if aux is None or any(t.punct for t in toks[aux.i + 1:i]) or \
                (self.lang == "en" and aux.i != i - 1):
            return False
        p = i + 1
        msg = self.de_message(toks, p, cue) if self.lang == "de" else self.en_message(toks, p)
        if not _clausal(toks, msg, p) or msg is None:
            return False
        a, b = self.span_of(toks, *msg)
        hedge = f"{aux.text} … {toks[i].text}" if aux.i < i - 1 else f"{aux.text} {toks[i].text}"
        self.add(Draft(a, b, s.index, "reported", cue.label(toks), cue.span(toks), own_voice=True,
                       hedges=[hedge], rule="passive_cue"))
        return True

    def denial(self, s: SentenceTokens, cue: F.Cue, who: list[Tok] | None,
               inherit: Draft | None) -> None:
        """"X bestritt das", "X denied the accusation": the denying predicate is the claim (kind
        denial); the ledger links it to the claim it answers."""
        toks = s.toks
        end = F.clause_end(toks, cue.index + 1, self.lang, stop_cues=False)
        comma = next((j for j in range(cue.index + 1, end) if toks[j].text == ","
                      or (toks[j].low in ("und", "and", "but", "aber") and j > (cue.particle or 0))),
                     None)
        if comma is not None and (cue.particle is None or cue.particle < comma):
            end = comma  # "disputed that account, citing its own sales records"
        if cue.particle is not None:
            end = max(end, cue.particle + 1)
        if who and who[0].i > cue.index:  # "Das bestritt ein Sprecher": the predicate after the name
            end = max(end, who[-1].i + 1)
        end = max(end, self.denied_clause_end(toks, cue))
        if end <= cue.index + 1:
            return
        a, b = self.span_of(toks, cue.index, end)
        self.add(Draft(a, b, s.index, "denial", cue.label(toks), cue.span(toks), who=who,
                       inherit=inherit, rule="denial_verb"))

    def denied_clause_end(self, toks: tuple[Tok, ...], cue: F.Cue) -> int:
        """"Ampera dementierte, dass die Leitung … führe": the denial runs through the dass clause
        it denies (its object, what the answering stage compares); 0 when there is none, or when
        the verb is passive ("Monatelang wurde abgestritten, dass …" names no denier)."""
        k = cue.index + 1
        if self.lang != "de" or k + 1 >= len(toks) or toks[k].text != "," or toks[k + 1].low != "dass":
            return 0
        if any(t.low in _PASSIVE_AUX["de"] for t in toks[max(0, cue.index - 4):cue.index]):
            return 0
        end = F.clause_end(toks, k + 2, self.lang, stop_cues=False)
        return end if end > k + 3 else 0

    def de_message(self, toks: tuple[Tok, ...], p: int, cue: F.Cue) -> tuple[int, int] | None:
        if p + 1 < len(toks) and toks[p].text == "," and toks[p + 1].low in ("ohne", "unter"):
            aside = next((j for j in range(p + 2, min(len(toks), p + 10)) if toks[j].text == ","),
                         None)  # ", ohne Belege vorzulegen, …": the aside is not the message
            if aside is not None:
                p = aside
        limit = min(len(toks), p + 12)
        for j in range(p, limit):
            if toks[j].text in ".!?":
                break
            if toks[j].low == "dass":
                end = F.clause_end(toks, j + 1, self.lang)
                return (j + 1, end) if end > j + 1 else None
            if toks[j].text == ":":
                if j + 1 < len(toks) and toks[j + 1].text in QUOTE_CHARS:
                    return None
                k = j + 2 if j + 1 < len(toks) and toks[j + 1].low == "dass" else j + 1
                end = F.clause_end(toks, k, self.lang)
                return (k, end) if end > k else None
        after_comma = self.comma_clause(toks, p, cue)
        if after_comma is not None:
            return after_comma
        if cue.lemma in _PREDICATING:  # "bezeichnete die Entscheidung als verantwortungsbewusst"
            end = F.clause_end(toks, p, self.lang)
            als = next((j for j in range(p + 1, end - 1) if toks[j].low == "als"), None)
            if als is not None and not any(t.text in ",;:" for t in toks[p:end]):
                return (p, end)
        if cue.lemma == "führen" and cue.particle is not None:
            j = p
            while j < cue.particle and not toks[j].cap and toks[j].low not in DETERMINERS:
                j += 1
            return (j, cue.particle) if cue.particle > j else None
        return None

    def comma_clause(self, toks: tuple[Tok, ...], p: int, cue: F.Cue) -> tuple[int, int] | None:
        """"sagte, er sei …", "kündigte an, zurückzutreten", "sagte, ohne die Leitung drohten
        Engpässe": the clause after the first comma close behind the verb."""
        comma = next((j for j in range(p, min(len(toks), p + 8)) if toks[j].text == ","), None)
        if comma is None or not all(t.word or t.text in "()" for t in toks[p:comma]):
            return None
        if F.has_konjunktiv(toks, comma + 1):
            end = F.clause_end(toks, comma + 1, self.lang)
            return (comma + 1, end) if end > comma + 1 else None
        if _zu_infinitive(toks, comma + 1):  # "wirft X vor, Daten übertragen zu haben"
            end = F.clause_end(toks, comma + 1, self.lang)
            return (comma + 1, end) if end > comma + 2 else None
        if _main_clause(toks, comma + 1) and cue.lemma not in MENTAL_LEMMAS["de"]:
            end = F.clause_end(toks, comma + 1, self.lang)
            return (comma + 1, end) if end > comma + 3 else None
        return None

    def en_message(self, toks: tuple[Tok, ...], p: int) -> tuple[int, int] | None:
        for j in range(p, min(len(toks), p + 10)):
            t = toks[j]
            if t.low in F.EN_FINITE or t.text in QUOTE_CHARS or t.text in ".!?":
                break
            if t.low == "that":
                end = F.clause_end(toks, j + 1, self.lang)
                return (j + 1, end) if end > j + 1 else None
        if p < len(toks) and toks[p].text == ":":
            p += 1
        if p + 1 < len(toks) and toks[p].text in QUOTE_CHARS and self.in_quote(toks[p + 1].start):
            end = F.clause_end(toks, p, self.lang)  # 'said "local forces" must lead the way'
            return (p, end) if end - p >= 3 else None
        if p >= len(toks) or toks[p].punct or toks[p].low in F.EN_PREP:
            return None
        if toks[p].low == "to":
            return None
        end = F.clause_end(toks, p, self.lang)
        return (p, end) if end - p >= 3 else None


    def drop_nested(self) -> None:
        framed = [draft for draft in self.drafts if draft.kind != "quote" and not draft.introducer]
        keep = []
        for draft in self.drafts:
            if draft.kind != "quote" and draft.cue_span and any(
                f is not draft and f.start <= draft.cue_span[0] < f.end and f.text is None
                for f in framed
            ):
                continue  # nested: "Acme expects ..., Lena Park said" is Lena Park's claim
            if draft.kind == "quote" and any(f.start <= draft.start and draft.end <= f.end + 2
                                              for f in framed):
                continue
            if draft.kind != "quote" and draft.cue_span and self.in_quote(draft.cue_span[0]):
                continue
            keep.append(draft)
        self.drafts = keep



def _is_denial(cue: F.Cue, toks: tuple[Tok, ...], language: str) -> bool:
    particle = toks[cue.particle].low if cue.particle is not None else None
    return (cue.lemma, particle) in DENIALS[language] or (cue.lemma, None) in DENIALS[language]


def _clausal(toks: tuple[Tok, ...], msg: tuple[int, int] | None, p: int) -> bool:
    """The message is a that/dass clause close to the verb, or a Konjunktiv clause after a comma."""
    if msg is None or msg[0] == 0:
        return False
    before = toks[msg[0] - 1]
    if before.low in ("that", "dass"):
        return msg[0] - 1 - p <= 4
    return before.text == "," and F.has_konjunktiv(toks, msg[0])


_NOT_MAIN = {  # words that open a relative or subordinate clause, not reported main-clause speech
    "der", "die", "das", "dem", "den", "denen", "dessen", "deren", "welche", "welcher", "welches",
    "als", "wenn", "weil", "nachdem", "um", "bevor", "während", "da", "obwohl", "sowie",
    "und", "aber", "sondern", "wobei", "was", "wo", "wie", "ob", "falls", "damit", "seit",
    "sobald", "indem", "bis", "statt", "anstatt", "doch", "oder", "zumal", "weshalb", "warum",
    "wann", "wer", "worauf", "womit", "wonach", "wozu", "so", "also", "nämlich",
}


def _main_clause(toks: tuple[Tok, ...], start: int) -> bool:
    """A clause after the comma that can be reported speech in the indicative: it does not open
    as a relative or subordinate clause and runs at least four words to the sentence's end."""
    if start >= len(toks) or toks[start].low in _NOT_MAIN or toks[start].punct:
        return False
    if toks[start].low == "ohne" and _zu_infinitive(toks, start):
        return False  # "…, ohne Belege vorzulegen": an aside
    words = [t for t in toks[start:] if t.word]
    return len(words) >= 4




def _zu_infinitive(toks: tuple[Tok, ...], start: int) -> bool:
    """"…, Nutzerdaten übertragen zu haben": the clause from ``start`` ends in "zu" + infinitive."""
    end = start
    while end < len(toks) and toks[end].text not in (",", ".", ";", ":", "!", "?"):
        end += 1
    if end - start < 2 or toks[end - 1].cap:
        return False
    return toks[end - 2].low == "zu" or _ZU_INFIX.fullmatch(toks[end - 1].low) is not None
