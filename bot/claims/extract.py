"""Rule-based attribution extraction (German and English) on clean text and its stored sentences.

Order of the passes matters: direct quotes claim their speech verbs first (so "„…“, staunt X" is one
quote, not also an indirect claim), then verb, noun and preposition frames, then hedged statements
in the article's own voice, then continuations (Konjunktiv sentences and quotes that go on after a
speaker was named). Speakers are resolved last, in text order, so that pronouns and descriptions
("er", "the regulator") can refer back to the speakers before them.
"""

from __future__ import annotations

import re

from bot.claims import coref
from bot.claims import frames as F
from bot.claims.base import Draft
from bot.claims.claimants import Resolver, is_role, np_forward
from bot.claims.doc import QUOTE_CHARS, SentenceTokens, Tok, build
from bot.claims.evidence import evidence_status
from bot.claims.lexicon import (
    CLAIM_NOUNS,
    DENIALS,
    DETERMINERS,
    DOCUMENT_WORDS,
    DOUBT_NOUNS,
    DOUBT_VERBS,
    HEDGES,
    INTEND_FORMS,
    INTRODUCERS,
    MENTAL_LEMMAS,
    PREDICT_LEMMAS,
    REPORT_ADVERBS,
    SURFACE,
)
from bot.claims.phrases import PhraseFrames
from bot.model import ClaimSpans, ExtractedClaim, Sentence, Span

_LEAD = re.compile(r"^(?:Denn|Und|Aber|Doch|Dabei|Zudem|Auch|Meanwhile|However|But|And|Also|So)"
                   r"\b,?\s+")
_TAIL = re.compile(r",\s+(?:an?|the|eine?)\s+(?:accusation|claim|allegation|charge|assertion|"
                   r"Vorwurf|Behauptung)\b.*$", re.IGNORECASE)
_EN_NOT_MODIFIER = {  # words that end a speaker phrase read backwards
    "said", "says", "told", "and", "but", "or", "that", "which", "who", "when", "while", "if",
    "as", "is", "was", "are", "were", "has", "had", "have", "in", "on", "at", "to", "for", "by",
    "with", "from", "of", "after", "before", "also", "then", "even", "yesterday", "today",
    "meanwhile", "however", "instead", "now", "later", "asked", "having", "according",
}
_ZU_INFIX = re.compile(  # "vorzugehen", "abzuschreiben": a separable verb's zu-infinitive
    r"(?:ab|an|auf|aus|bei|ein|fest|her|hin|mit|nach|vor|weg|zurück|zusammen|los|dar|durch|um|"
    r"wieder|frei|teil|statt|bereit|fort|heraus|hinaus|weiter|voran|herbei|hinzu)zu\w{3,}en")
_HEADLINE_LABELS = {"update", "updated", "exclusive", "watch", "video", "breaking", "photos",
                    "photo", "analysis", "opinion", "note", "related", "read", "live", "editor",
                    "q", "a", "poll", "report", "listen", "correction", "sources", "source"}
JOIN_RULES = ("quote_after_quote", "quote_continuation")
_PASSIVE_AUX = {"de": {"wird", "wurde", "werden", "wurden"},
                "en": {"is", "was", "are", "were", "been", "be"}}
# Konjunktiv I sentences that go on from the one before extend it: the corpus (and a reader)
# takes a run of reported-speech sentences as one passage of one speaker
_PASSAGE_RULES = ("konjunktiv_continuation", "konjunktiv_after_speaker")
_AS_WRITTEN = ("preposition", "nach_frame", "wonach")  # frames whose source is named as is
_RECENT = 8  # sentences back that a cue-less Konjunktiv sentence looks for the last speaker
# words that open a purpose or adverbial clause, never reported speech
_NOT_A_MESSAGE = {"um", "statt", "anstatt", "da", "während", "weil", "wenn", "obwohl",
                  "nachdem", "falls", "sobald", "bevor", "indem"}
# verbs that predicate something of an object ("bezeichnete X als Y"): the object and its
# predicate are the message (a statement about X, not a bare noun phrase)
_PREDICATING = {"bezeichnen", "werten", "betrachten", "bewerten", "einstufen"}
# verbs that apply a quoted label to something: their short quotes are claims of the subject
_LABELLING = {"bezeichnen", "nennen", "sprechen", "warnen", "würdigen", "kritisieren", "loben",
              "beschreiben", "charakterisieren", "werten", "bewerten", "titulieren"}
_FIGURE = re.compile(r"\d[\d.,]*\s*(?:%|Prozent|percent|Millionen|Milliarden|million|billion|"
                     r"Mio\.|Mrd\.)?")


class RuleClaimExtractor:
    """Implements ``bot.ports.ClaimExtractor``; stateless, cheap to share."""

    def extract(self, text: str, sentences: list[Sentence], language: str) -> list[ExtractedClaim]:
        lang = "de" if language == "de" else "en"
        sents = build(text, sentences, lang)
        return _Run(text, sents, lang).claims()


class _Run(PhraseFrames):
    def claims(self) -> list[ExtractedClaim]:
        prev: tuple[Draft, int] | None = None
        for qa, qb in self.quotes:
            d = self.quote(qa, qb, prev)
            prev = (d, qb) if d else None
        for s in self.sents:
            if self.lang == "en":
                self.colon_source(s)
            self.frames(s)
        self.absorb()
        for s in self.sents:
            self.reported(s)
        for s in self.sents:
            self.continuation(s)
        self.drafts.sort(key=lambda d: (d.start, d.end))
        if self.lang == "en":
            self.join_quote_runs()
        return self.finish()

    def join_quote_runs(self) -> None:
        """"“A,” she said. “B.”" is one attribution (the corpora mark A and B as one discontinuous
        content): a quote that only continues the quote before it joins that claim, whose span
        then runs from A to B over the words that name the speaker."""
        keep: list[Draft] = []
        host: dict[int, Draft] = {}
        for d in self.drafts:
            target = host.get(id(d.inherit), d.inherit) if d.inherit is not None else None
            if d.rule in JOIN_RULES and target is not None and \
                    target.kind == "quote" and keep and keep[-1] is target and \
                    0 <= d.start - target.end <= 80 and "\n" not in self.text[target.end:d.start]:
                target.end = d.end
                host[id(d)] = target
                continue
            keep.append(d)
        self.drafts = keep

    def quote(self, qa: int, qb: int, prev: tuple[Draft, int] | None) -> Draft | None:
        inner_a, inner_b = qa + 1, qb - 1
        raw = self.text[inner_a:inner_b]
        stripped = raw.rstrip(" ,")
        n_words = len(re.findall(r"\w+", raw))
        start = inner_a + (len(raw) - len(raw.lstrip()))
        end = inner_a + len(stripped)
        if n_words < 3 or (n_words < 5 and not re.search(r"[.!?]\s*$", raw) and
                           re.search(r"(?:\b(?:der|die|das|des|dem|den|the|a|von|of|im|in)\s*)$",
                                     self.text[max(0, qa - 6):qa], re.IGNORECASE)):
            if n_words and self.lang == "de":
                return self.labelled(start, end, qa)  # "nannte die Pläne „Wortbruch“"
            return None  # a scare quote or a title: „AI Index Report“
        s = self.sent_of(qb - 1)
        if s is None:
            return None
        after = self.quote_cue_after(start, end, s, qb)
        if after is not None:
            return after
        if prev is not None:
            between = self.text[prev[1]:qa]
            if not re.search(r"[.!?]", between) and between.strip(" '")[-1:] in (":", ","):
                d = prev[0]
                return self.add(Draft(start, end, d.sent, "quote", d.cue, d.cue_span, inherit=d,
                                      rule="quote_after_quote"))
        return self.quote_cue_before(start, end, qa)

    def labelled(self, start: int, end: int, qa: int) -> Draft | None:
        """A short quote that a speaker applies ("bezeichnete die Pläne als „Wortbruch“", "sprach
        von einer „Gefahr für Leib und Leben“"): a quote of the subject of a labelling verb
        before it in the sentence; a title or a "sogenannte" term stays no claim."""
        s = self.sent_of(qa)
        if s is None or re.search(r"(?:so ?genannt\w*|titel\w*)\s*$", self.text[s.start:qa],
                                  re.IGNORECASE):
            return None
        before = [t for t in s.toks if t.end <= qa and not self.in_quote(t.start)]
        for t in reversed(before[-8:]):
            cue = F.cue_at(s.toks, t.i, self.lang)
            if cue is None or cue.lemma not in _LABELLING or (s.index, t.i) in self.used:
                continue
            np, _ = self.subject(s, t.i)
            if not np or (F.is_pronoun(np) and np[0].low == "es"):
                return None
            return self.quote_draft(start, end, s, cue, np)
        return None

    def quote_cue_after(self, start: int, end: int, s: SentenceTokens, qb: int) -> Draft | None:
        """„…“, staunt der Internet-Pionier Marc Andressen / “…,” analyst Dan Ives said."""
        toks = s.toks
        rest = [t for t in toks if t.start >= qb]
        k = 0
        while k < len(rest) and rest[k].text in (",", ":", "–"):
            k += 1
        if k >= len(rest):
            return None
        t0 = rest[k]
        cue = F.quote_cue_at(toks, t0.i, self.lang)
        if cue is None and t0.low == "so" and self.lang == "de":
            cue = F.Cue("so", t0.i)
        if cue is not None:
            np = np_forward(toks, F.skip_de_adverbs(toks, t0.i + 1), self.lang)
            if np:
                return self.quote_draft(start, end, s, cue, np)
        for j in range(k, min(k + 7, len(rest))):
            if rest[j].text == "," and self.lang == "en" and j > k:
                close = next((m for m in range(j + 1, min(j + 20, len(rest)))
                              if rest[m].text == ","), None)  # "“…,” Doug Usher, director …, said"
                if close is not None and close + 1 < len(rest) and \
                        F.quote_cue_at(toks, rest[close + 1].i, self.lang) is not None:
                    np = [t for t in rest[k:j] if t.low not in F.EN_AUX]
                    cue = F.quote_cue_at(toks, rest[close + 1].i, self.lang)
                    if cue is not None and np and np[0].cap:
                        return self.quote_draft(start, end, s, cue, np)
                break
            if rest[j].punct and rest[j].low not in ("'s", "’s", "-", "(", ")"):
                break
            cue = F.quote_cue_at(toks, rest[j].i, self.lang)
            if cue is not None and j > k:
                np = [t for t in rest[k:j] if t.low not in F.EN_AUX]
                if np and (np[0].cap or np[0].low in DETERMINERS or F.is_pronoun(np[:1])
                           or (is_role(np[0], self.lang) and any(x.cap for x in np))):
                    return self.quote_draft(start, end, s, cue, np)
                break
        return None

    def quote_cue_before(self, start: int, end: int, qa: int) -> Draft | None:
        """Er sagte: „…“ — the cue before a colon that opens the quote."""
        so = self.sent_of(qa)
        if so is not None and so.index > 0 and not self.text[so.start:qa].strip().strip("'"):
            so = self.sents[so.index - 1]  # "X sagte:" closed a sentence of its own
            qa = so.end + 1
        lead = self.text[so.start:qa].rstrip(" '") if so is not None else ""
        if so is None or not (lead.endswith(":") or (self.lang == "en" and lead.endswith(","))):
            return None  # "Er sagte: „…“", "He added, “…”"
        before = [t for t in so.toks if t.end <= qa]
        if lead.endswith(","):  # only the cue right before the comma: "He added, “…”"
            before = before[-3:-1] if len(before) >= 2 else []
        for t in reversed(before):
            cue = F.quote_cue_at(so.toks, t.i, self.lang)
            if cue is None or (so.index, t.i) in self.used:
                continue
            after = np_forward(so.toks, F.skip_de_adverbs(so.toks, t.i + 1), self.lang)
            speaker = after if after and (F.is_pronoun(after) or (
                self.lang == "en" and t.i == 0 and after[0].cap)) else self.subject(so, t.i)[0]
            if speaker:
                return self.quote_draft(start, end, so, cue, speaker)
        return None

    def colon_source(self, s: SentenceTokens) -> None:
        """"Graham: Trump’s rhetoric is destroying the party" (headline style): a name, a colon,
        then what the named one said."""
        toks = s.toks
        np = np_forward(toks, 0, self.lang, limit=4)
        k = np[-1].i + 1 if np else 0
        if not np or k >= len(toks) or toks[k].text != ":" or not all(t.cap for t in np) or \
                np[0].low in _HEADLINE_LABELS or self.in_quote(toks[0].start):
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
        self.add(Draft(a, b, s.index, "indirect", ":", (toks[k].start, toks[k].end), np=np,
                       rule="colon_source"))

    def quote_draft(
        self, start: int, end: int, s: SentenceTokens, cue: F.Cue, np: list[Tok]
    ) -> Draft:
        self.used.add((s.index, cue.index))
        return self.add(Draft(start, end, s.index, "quote", cue.label(s.toks), cue.span(s.toks),
                              np=np, rule="quote_with_cue"))

    def frames(self, s: SentenceTokens) -> None:
        toks = s.toks
        for t in toks:
            if (s.index, t.i) in self.used or self.in_quote(t.start):
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
        np, inherit = self.subject(s, i)
        expletive = np is not None and len(np) == 1 and np[0].low in ("es", "it")
        if ((np is None and inherit is None) or expletive) and self.passive(s, cue):
            return
        if np is None and inherit is None:
            return
        kind = "prediction" if cue.lemma in PREDICT_LEMMAS else "indirect"
        if _is_denial(cue, toks, self.lang):
            self.denial(s, cue, np, inherit)
            return
        p = i + 1
        if np and np[0].i > i:
            p = np[-1].i + 1
        text_override = None
        msg: tuple[int, int] | None = None
        if self.lang == "de":
            p = F.skip_de_adverbs(toks, p)
            msg, kind, text_override = self.german_message(toks, cue, np, p, kind)
        else:
            if cue.lemma == "tell":
                k = p
                while k < min(len(toks), p + 4) and toks[k].low != "that" and toks[k].word:
                    k += 1
                p = k if k < len(toks) and (toks[k].low == "that" or k == p + 1) else p
            msg = self.en_message(toks, p)
        if msg is None and self.lang == "en" and np and 2 < np[0].i < i:
            msg = self.en_message_before(toks, np, i)
        if msg is None and self.lang == "de" and np and self.points_back(s, cue, np, kind):
            return
        if cue.lemma in MENTAL_LEMMAS[self.lang] and not _clausal(toks, msg, p):
            return  # "found the body", "weiß es nicht": a thought verb needs its clause
        if msg is None:
            if cue.lemma in INTRODUCERS or (np and any(x.cap for x in np)) or inherit:
                self.add(Draft(toks[0].start, toks[-1].end, s.index, "introducer", None, None,
                               np=np, inherit=inherit, introducer=True))
            return
        a, b = self.span_of(toks, *msg)
        self.add(Draft(a, b, s.index, kind, cue.label(toks), cue.span(toks), np=np,
                       inherit=inherit, text=text_override, rule="speech_verb"))

    def german_message(
        self, toks: tuple[Tok, ...], cue: F.Cue, np: list[Tok] | None, p: int, kind: str
    ) -> tuple[tuple[int, int] | None, str, str | None]:
        """The message of a German speech verb (from ``p``, after the speaker), the kind, and the
        text without an inserted frame ("Das Gesetz, sagte sie, sei gut")."""
        i = cue.index
        msg: tuple[int, int] | None
        text = None
        if i > 0 and toks[i - 1].text == "," and p < len(toks) and toks[p].text == "," and (
            not np or np[0].i > i  # not "Der Sprecher, Max Muster, sagte, …"
        ):
            end = F.clause_end(toks, 0, self.lang)
            msg = (0, end)
            a, b = toks[i - 1].start, toks[p].end
            text = self.text[toks[0].start:a] + " " + self.text[b:toks[end - 1].end]
        else:
            msg = self.de_message(toks, p, cue)
        if msg is None and i > 2 and toks[i - 1].text == "," and np and np[0].i > i and \
                self.tail_only(toks, np[-1].i + 1):
            msg = (0, i - 1)  # "..., sagte Henderson weiter."
            kind = "indirect" if F.has_konjunktiv(toks, 0) else kind
        if msg is not None and toks[msg[0]].low in _NOT_A_MESSAGE:
            msg = None  # "um … zu gehen", "Da … verlaufen": a purpose or adverbial clause
        return msg, kind, text

    def points_back(self, s: SentenceTokens, cue: F.Cue, np: list[Tok], kind: str) -> bool:
        """"… Spuren von Iod gefunden. Das berichtet die Agentur Kyodo.": the sentence before is
        the message of a speaker named after "Das"/"Dies" + cue."""
        toks = s.toks
        if s.index == 0 or toks[0].low not in ("das", "dies") or cue.index > 2 or \
                np[0].i <= cue.index or not self.tail_only(toks, np[-1].i + 1):
            return False
        before = self.sents[s.index - 1]
        if before.paragraph != s.paragraph or self.in_sent(before.index) or not before.toks or \
                self.in_quote(before.toks[0].start):
            return False
        end = F.clause_end(before.toks, 0, self.lang, stop_cues=False)
        if end < 4:
            return False
        self.add(Draft(before.toks[0].start, before.toks[end - 1].end, before.index, kind,
                       cue.label(toks), cue.span(toks), np=np, rule="points_back"))
        return True

    def en_message_before(self, toks: tuple[Tok, ...], np: list[Tok], i: int) -> tuple[int, int] | None:
        """The message before a speaker named after a comma: "…, Devine said, by …" (the whole
        sentence around the parenthetical) or "…, the news site X reported." (up to the comma)."""
        if toks[np[0].i - 1].text == "," and i + 1 < len(toks) and toks[i + 1].text == ",":
            return (0, F.clause_end(toks, 0, self.lang, stop_cues=False))
        if not self.tail_only(toks, i + 1):
            return None
        comma = next((c for c in range(np[0].i - 1, max(1, np[0].i - 5), -1)
                      if toks[c].text == ","), None)
        if comma is not None and all(t.word and not t.cap for t in toks[comma + 1:np[0].i]):
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

    def denial(self, s: SentenceTokens, cue: F.Cue, np: list[Tok] | None,
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
        if np and np[0].i > cue.index:  # "Das bestritt ein Sprecher": the predicate after the name
            end = max(end, np[-1].i + 1)
        if end <= cue.index + 1:
            return
        a, b = self.span_of(toks, cue.index, end)
        self.add(Draft(a, b, s.index, "denial", cue.label(toks), cue.span(toks), np=np,
                       inherit=inherit, rule="denial_verb"))

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

    def absorb(self) -> None:
        framed = [d for d in self.drafts if d.kind != "quote" and not d.introducer]
        keep = []
        for d in self.drafts:
            if d.kind != "quote" and d.cue_span and any(
                f is not d and f.start <= d.cue_span[0] < f.end and f.text is None
                for f in framed
            ):
                continue  # nested: "Acme expects ..., Lena Park said" is Lena Park's claim
            if d.kind == "quote" and any(f.start <= d.start and d.end <= f.end + 2 for f in framed):
                continue
            if d.kind != "quote" and d.cue_span and self.in_quote(d.cue_span[0]):
                continue
            keep.append(d)
        self.drafts = keep

    def reported(self, s: SentenceTokens) -> None:
        """Hedged statements: in the article's own voice when the sentence names no speaker."""
        toks = s.toks
        found: list[tuple[str, Tok]] = []
        for t in toks:
            if self.in_quote(t.start):
                continue
            if t.low in REPORT_ADVERBS[self.lang] and not t.cap and not (
                t.i and toks[t.i - 1].low in DETERMINERS  # "des angeblich ... geschlagenen"
            ):
                found.append((t.text, t))
            elif self.lang == "en" and t.low == "said" and 0 < t.i < len(toks) - 1 and \
                    toks[t.i - 1].low in ("is", "are", "was", "were") and toks[t.i + 1].low == "to":
                found.append((f"{toks[t.i - 1].text} said to", t))  # reported modality
            elif self.lang == "de" and t.low in ("soll", "sollen") and _perfect_tail(toks, t.i):
                found.append((f"{t.text} … {toks[_last_word(toks)].text}", t))
        if not found:
            return
        mine = [d for d in self.in_sent(s.index) if not d.introducer]
        if mine:
            for d in mine:
                d.hedges.extend(h for h, _ in found)
            return
        hedge, t = found[0]
        end = F.clause_end(toks, 0, self.lang, stop_cues=False)
        a, b = self.span_of(toks, 0, end)
        body = self.text[a:b]
        lead = _LEAD.match(body)
        if lead:
            a += lead.end()
        tail = _TAIL.search(self.text[a:b])
        if tail:
            b = a + tail.start()
        cue = hedge if hedge.endswith(" said to") else t.text
        cue_span = (toks[t.i - 1].start, toks[t.i + 1].end) if cue != t.text else (t.start, t.end)
        self.add(Draft(a, b, s.index, "reported", cue, cue_span, own_voice=True,
                       hedges=[hedge], rule="own_voice_hedge"))

    def continuation(self, s: SentenceTokens) -> None:
        if s.index == 0:
            return
        before = self.sents[s.index - 1]
        if before.paragraph != s.paragraph:
            return
        prev = [d for d in self.in_sent(before.index) if not d.own_voice]
        if not prev:
            self.reported_speech(s)
            return
        last = prev[-1]
        mine = self.in_sent(s.index)
        for qa, qb in self.quotes:
            if s.start <= qa < s.end and not self.text[s.start:qa].strip(" '") and not any(
                d.start < qb - 1 and qa + 1 < d.end for d in mine
            ):
                raw = self.text[qa + 1: qb - 1]
                if len(re.findall(r"\w+", raw)) >= 3:
                    a = qa + 1 + len(raw) - len(raw.lstrip())
                    b = qa + 1 + len(raw.rstrip(" ,"))
                    mine.append(self.add(Draft(a, b, s.index, "quote", last.cue,
                                               last.cue_span, inherit=last,
                                               rule="quote_continuation")))
        if self.lang == "de":
            self.german_continuation(s, before, last, mine)

    def german_continuation(self, s: SentenceTokens, before: SentenceTokens, last: Draft,
                            mine: list[Draft]) -> None:
        """A sentence after an attributed one that reports on: Konjunktiv (one passage with the
        sentence before when that is one too) or reported modality ("soll … haben")."""
        toks = s.toks
        if len(mine) == 1 and mine[0].rule == "own_voice_hedge" and " … " in mine[0].hedges[0]:
            own = mine[0]  # "Er soll … gelogen haben.": the speaker before goes on
            own.own_voice, own.inherit, own.rule = False, last, "reported_continuation"
            return
        if mine:
            return
        for t in toks:
            if self.in_quote(t.start) or t.i == 0:
                continue
            if t.low in ("soll", "sollen") and toks[t.i - 1].low not in ("ich", "wir") and \
                    F.infinitive_end(toks, t.i):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                self.add(Draft(toks[0].start, toks[end - 1].end, s.index, "reported", t.text,
                               (t.start, t.end), inherit=last, hedges=[t.text],
                               rule="reported_continuation"))
                return
            if F.is_konjunktiv(toks, t, second=last.kind in ("indirect", "prediction", "reported")):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                first = _after_frame(toks, t.i)
                if first == 0 and last.rule in _PASSAGE_RULES and \
                        last.start == before.toks[0].start:
                    last.end, last.through = toks[end - 1].end, s.index  # one passage
                    return
                if end - first < 3:
                    return
                self.add(Draft(toks[first].start, toks[end - 1].end, s.index, "indirect", t.text,
                               (t.start, t.end), inherit=last, rule="konjunktiv_continuation"))
                return

    def reported_speech(self, s: SentenceTokens) -> None:
        """A Konjunktiv I sentence with no cue of its own ("Der Verein wolle … vorgehen."):
        reported speech of the last speaker named within the two sentences before, if any."""
        toks = s.toks
        if self.lang != "de" or self.in_sent(s.index) or not toks or self.in_quote(toks[0].start):
            return
        for t in toks:
            if t.i and not self.in_quote(t.start) and F.is_konjunktiv(toks, t) and not any(
                x.low in ("wenn", "falls", "als", "ob", "obwohl") for x in toks[: t.i]
            ):
                end = F.clause_end(toks, 0, self.lang, stop_cues=False)
                first = _after_frame(toks, t.i)
                if end - first < 3:
                    return
                self.add(Draft(toks[first].start, toks[end - 1].end, s.index, "indirect", t.text,
                               (t.start, t.end), fallback=True, rule="konjunktiv_after_speaker"))
                return

    # --- speakers, hedges, evidence -----------------------------------------------------------

    def finish(self) -> list[ExtractedClaim]:
        """Stage "roles → claims": speakers resolved in text order, then one claim per span."""
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
        out: list[ExtractedClaim] = []
        seen: set[tuple[int, int]] = set()
        for d in self.drafts:
            if d.introducer or (d.speaker is None and not d.own_voice):
                continue
            if (d.start, d.end) in seen or d.end <= d.start:
                continue
            seen.add((d.start, d.end))
            out.append(self.claim(d))
        return out

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


def _after_frame(toks: tuple[Tok, ...], konjunktiv: int) -> int:
    """Where a Konjunktiv sentence's message starts: after "…, verlautete aus EU-Kreisen, …" or
    "…hatte er gesagt, dass …" (a frame with a speech verb before the comma), else at 0."""
    cue = False
    for j in range(konjunktiv):
        if toks[j].text == "," and j and (cue or toks[j + 1].low == "dass"):
            return j + 2 if toks[j + 1].low == "dass" else j + 1
        cue = cue or F.cue_at(toks, j, "de") is not None
    return 0


def _zu_infinitive(toks: tuple[Tok, ...], start: int) -> bool:
    """"…, Nutzerdaten übertragen zu haben": the clause from ``start`` ends in "zu" + infinitive."""
    end = start
    while end < len(toks) and toks[end].text not in (",", ".", ";", ":", "!", "?"):
        end += 1
    if end - start < 2 or toks[end - 1].cap:
        return False
    return toks[end - 2].low == "zu" or _ZU_INFIX.fullmatch(toks[end - 1].low) is not None


def _last_word(toks: tuple[Tok, ...]) -> int:
    j = len(toks) - 1
    while j > 0 and toks[j].punct:
        j -= 1
    return j


def _perfect_tail(toks: tuple[Tok, ...], i: int) -> bool:
    """"soll ... gekostet haben": a perfect infinitive closes the clause (a report, not a plan)."""
    comma = next((k for k in range(i + 1, len(toks)) if toks[k].text == ","), None)
    j = _last_word(toks[:comma] if comma is not None else toks)
    part = toks[j - 1].low
    return j > i + 1 and toks[j].low in ("haben", "sein") and not toks[j - 1].cap and (
        "ge" in part[:6] or part.endswith(("iert", "t", "en"))
    ) and part not in ("fertig", "bereit", "möglich")
