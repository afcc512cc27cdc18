"""Who is speaking: noun phrases around a cue, their canonical name, pronouns and descriptions.

Canonical names: role prefixes stripped ("OpenAI-Chef Altman" -> "Altman"), the full name taken from
elsewhere in the item ("Sam Altman"), spelling variants merged to the item's majority spelling
("Andressen"/"Andreessen"). Pronouns and descriptions ("er", "she", "the regulator") go to the last
fitting speaker; nothing is ever invented: when no speaker fits, the claim is dropped by the caller.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from bot.claims import coref
from bot.claims.doc import QUOTE_CHARS, SentenceTokens, Tok
from bot.claims.lexicon import (
    DESCRIPTIONS,
    DETERMINERS,
    LINKERS,
    ORG_DESCRIPTIONS,
    PERSON_DESCRIPTIONS,
    PERSON_PRONOUNS,
    PRONOUNS,
    ROLE_SUFFIXES,
    ROLE_WORDS,
    THING_PRONOUNS,
)
from bot.model import Span

_ORG_WORDS = {
    "commission", "council", "bank", "group", "inc", "inc.", "corp", "corp.", "ag", "gmbh", "se",
    "university", "universität", "institute", "institut", "ministry", "ministerium", "partei",
    "party", "agency", "authority", "committee", "ausschuss", "stanley", "capital", "partners",
    "holdings", "technologies", "labs", "report", "index", "times", "post", "news", "reuters",
    "association", "verband", "center", "centre", "foundation", "stiftung", "office", "amt",
}
_EN_STOP = {
    "that", "who", "which", "was", "were", "is", "are", "has", "had", "have", "will", "would",
    "could", "can", "did", "does", "do", "said", "says", "told", "wrote", "not", "also",
}
_EN_START_STOP = {
    "according", "meanwhile", "however", "not", "while", "although", "when", "if", "as", "but",
    "and", "so", "yet", "shares", "some", "many", "most", "all", "both", "each", "every", "no",
    "there", "here", "critics", "analysts", "officials", "others", "in", "on", "at", "after",
    "before", "for", "with", "by", "from", "during", "what", "why", "how", "still", "even",
    "later", "latest", "late", "sometimes", "besides", "earlier", "last", "next", "then", "once",
}
_SUBJECT_STOPS = PRONOUNS | _EN_START_STOP
_POSS = {"seiner", "ihrer", "dessen", "deren"}
_DE_COMPOUND_ROLES = ("minister", "ministerin", "sprecher", "sprecherin", "präsident",
                      "präsidentin", "agentur", "vorsitzende", "vorsitzender", "chef", "chefin",
                      "experte", "expertin", "kanzler", "kanzlerin", "direktor", "direktorin",
                      "forscher", "forscherin", "analyst", "analystin", "leiter", "leiterin",
                      "ökonom", "ökonomen", "ökonomin", "politiker", "politikerin",
                      "wissenschaftler", "wissenschaftlerin", "professor", "professorin",
                      "anwalt", "anwältin", "richter", "richterin", "autor", "autorin",
                      "beauftragte", "beauftragter", "sekretär", "sekretärin", "abgeordnete",
                      "abgeordneter", "senator", "senatorin", "gouverneur", "bürgermeister",
                      "bürgermeisterin", "manager", "managerin", "gründer", "gründerin")
_NOT_SPEAKERS = {  # sentence-initial words that are never a speaker (adverbs, prepositions, "man")
    "demnach", "dazu", "offiziell", "hierzu", "daraufhin", "ferner", "unterdessen", "mittlerweile",
    "gleichzeitig", "dagegen", "vorher", "bisher", "derzeit", "erneut", "weiterhin", "schließlich",
    "offenbar", "jetzt", "insbesondere", "gestern", "heute", "zudem", "bislang", "dabei", "damit",
    "deshalb", "daher", "doch", "nun", "auch", "zwar", "noch", "jedoch", "allerdings", "außerdem",
    "inzwischen", "trotzdem", "dennoch", "immerhin", "zunächst", "später", "damals", "zuvor",
    "bereits", "schon", "man", "am", "im", "in", "nach", "bei", "seit", "vor", "mit", "auf", "aus",
    "für", "über", "unter", "während", "wegen", "laut", "ich", "wir", "i", "we", "you", "du",
    "ihr", "mehr", "als", "wenn", "weil", "obwohl", "dass", "ob", "warum", "wie", "was", "wer",
    "anschließend", "danach", "zuletzt", "zuerst", "erst", "dort", "hier", "so", "ebenfalls",
    "zu", "zum", "zur", "vom", "von", "durch", "gegen", "ohne", "trotz", "besorgt", "sollte",
    "andererseits", "einerseits", "glücklicherweise", "persönlich", "niemand", "leider",
    "tatsächlich", "nur", "vielmehr",
}
_INSTITUTIONS = {"ministry", "government", "court", "agency"}
_DE_ROLE_ENDINGS = ("in", "er", "ent", "ist", "or", "at", "ende", "ender")
QUANTIFIERS = {"some", "many", "several", "other", "most", "few", "two", "three", "einige", "manche",
               "viele", "mehrere", "andere", "zahlreiche", "zwei", "drei", "wenige", "etliche"}
_SOURCE_LINKS = {"by", "from", "of", "von", "der", "des", "at", "bei"}
_CONJ = {"und", "aber", "doch", "denn", "and", "but", "so", "yet"}
TITLE_ROLES = {"president", "secretary", "representative", "rep.", "sen.", "senator", "dr.", "prof.",
               "mr.", "ms.", "mrs.", "ceo", "chief", "minister", "governor", "commissioner"}
_NAME_TOKEN = re.compile(r"^(?:[A-ZÄÖÜ][\w.\-’']*|\d[\w.]*|[a-z]{1,2})$")


def is_role(tok: Tok, language: str) -> bool:
    return _is_role(tok.low, tok.cap, language)


@lru_cache(maxsize=8192)
def _is_role(low: str, cap: bool, language: str) -> bool:
    if "-" in low and low.rsplit("-", 1)[1] in ROLE_SUFFIXES:
        return True
    if language == "de" and cap and any(
        low == suffix or (len(low) > len(suffix) + 2 and low.endswith(suffix))
        for suffix in _DE_COMPOUND_ROLES
    ):
        return True  # "Finanzminister", "Bahnsprecher", "Nachrichtenagentur"
    if low not in ROLE_WORDS:
        return False
    return language == "de" or not cap or low in TITLE_ROLES


def np_forward(toks: tuple[Tok, ...], i: int, language: str, limit: int = 8) -> list[Tok]:
    """A speaker phrase starting at ``i``: determiners, roles, names; stops at a second phrase."""
    out: list[Tok] = []
    seen_name = False
    if i < len(toks) and (toks[i].low in _NOT_SPEAKERS or (
        language == "en" and toks[i].low in _EN_START_STOP
    )):
        return out
    while i < len(toks) and len(out) < limit:
        t = toks[i]
        if t.low in PRONOUNS and not out:
            return [t]
        if t.low in DETERMINERS:
            if seen_name and not (language == "de" and t.low in ("des", "der") and out
                                  and out[-1].cap and out[-1].low not in DETERMINERS):
                break
        elif t.text in QUOTE_CHARS:
            pass
        elif t.low in LINKERS and out:
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is None or not (nxt.cap or nxt.low in DETERMINERS or (
                t.low in ("'s", "’s") and (is_role(nxt, language) or nxt.low in ORG_DESCRIPTIONS)
            )):
                break
        elif is_role(t, language) or t.cap:
            seen_name = seen_name or t.cap
        elif seen_name and re.fullmatch(r"\d[\w.]*|[a-z]", t.text) and out and (
            out[-1].cap or out[-1].text[:1].isdigit()
        ):
            pass  # "GPT 4. o", "H100"
        elif language == "de" and _german_modifier(toks, i, out, seen_name):
            pass  # "des saudi-arabischen Ministeriums", "Einer der 13 beteiligten Feuerwehrmänner"
        elif language == "en" and t.low in ORG_DESCRIPTIONS and out:
            pass  # "Italy's data protection authority"
        elif (language == "en" and not seen_name and t.low.isalpha() and i + 1 < len(toks)
              and out and out[-1].low in DETERMINERS and t.low not in _EN_STOP):
            pass  # lowercase noun in "the research firm"
        else:
            break
        out.append(t)
        i += 1
    while out and (out[-1].low in LINKERS or out[-1].low in DETERMINERS):
        out.pop()
    return out


def _german_modifier(toks: tuple[Tok, ...], i: int, out: list[Tok], seen_name: bool) -> bool:
    """A lower-case adjective or a number between a determiner and its noun (at most two words
    before a capitalised one): "des saudi-arabischen Ministeriums", "Der 85-jährige Joseph …"."""
    t = toks[i]
    if out and out[-1].low in DETERMINERS and i + 1 < len(toks) and toks[i + 1].cap and \
            t.text[:1].islower():
        return True
    if seen_name or not out or not (out[-1].low in DETERMINERS or _ATTRIBUTIVE.fullmatch(out[-1].low)):
        return False
    if not _ATTRIBUTIVE.fullmatch(t.low):
        return False
    return any(x.cap for x in toks[i + 1: i + 3]) and not any(x.punct for x in toks[i + 1: i + 2])


_ATTRIBUTIVE = re.compile(r"\d[\d.,]*|\d+-\w+(?:e|en|er|em|es)|[a-zäöüß][\w-]*(?:e|en|er|em|es)")


def np_backward(toks: tuple[Tok, ...], j: int, language: str, limit: int = 9) -> list[Tok]:
    """A speaker phrase ending at ``j`` (inclusive), read right to left."""
    out: list[Tok] = []
    while j >= 0 and len(out) < limit:
        t = toks[j]
        if not out and t.low in PRONOUNS:
            return [t]
        if (t.cap or is_role(t, language) or t.low in DETERMINERS or t.low in ("'s", "’s")
                or (t.low in LINKERS and out and j > 0)):
            out.append(t)
        elif language == "en" and t.low.isalpha() and t.low not in _EN_STOP and j > 0 and (
            toks[j - 1].low in DETERMINERS
            or (j > 1 and toks[j - 2].low in DETERMINERS and toks[j - 1].low.isalpha())
        ) and not (out and out[-1].cap):
            out.append(t)  # "the research firm", "The regulator"
        else:
            break
        if t.low in DETERMINERS:
            break
        j -= 1
    out.reverse()
    while out and (out[0].low in LINKERS or (
        language == "en" and len(out) > 1 and out[0].low in _LEADING_WORDS
    )):
        out.pop(0)  # "But Cox said", "Even Rendell said": the name without the connective
    return out


_NOT_PERSON_ROLES = {"data", "protection", "security", "policy", "press", "house", "white",
                     "commerce", "vice", "modell", "ki-modell"}
_LEADING_WORDS = {"but", "while", "even", "then", "and", "so", "yet", "also", "instead", "still",
                  "now", "later", "meanwhile", "however", "though", "although", "when"}


Mention = coref.Candidate  # pos, name, person (2: surely a person, 1: either, 0: an organization)


@dataclass
class Resolver:
    """Per-item claimant resolution."""

    text: str
    sents: list[SentenceTokens]
    language: str
    names: list[tuple[str, ...]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    _spellings: dict[str, str] = field(default_factory=dict)
    _full_names: dict[str, list[str]] = field(default_factory=dict)  # one word -> its full name
    _quote_starts: list[int] = field(default_factory=list)
    _genders: dict[str, str] = field(default_factory=dict)  # surname -> gender ("Ms. Park")

    def in_quote(self, pos: int) -> bool:
        # quotes come sorted and apart (QUOTE.finditer): only the last one opened before pos can
        # hold it; a bisect keeps long texts linear (a scan of all quotes per position was not)
        i = bisect_left(self._quote_starts, pos) - 1
        return i >= 0 and pos < self.quotes[i][1] - 1

    def __post_init__(self) -> None:
        self.quotes = sorted(self.quotes)
        self._genders = coref.genders(self.text)
        self._quote_starts = [a for a, _ in self.quotes]
        for s in self.sents:
            run: list[str] = []
            for t in [*list(s.toks), None]:
                if (t is not None and t.cap and t.text.isalpha() and not is_role(t, self.language)
                        and t.low not in DETERMINERS and t.low not in _NOT_SPEAKERS
                        and t.low not in ORG_DESCRIPTIONS
                        and t.low not in _EN_START_STOP):
                    run.append(t.text)
                    continue
                if 2 <= len(run) <= 3:
                    self.names.append(tuple(run))
                run = []
            for t in s.toks:
                if t.cap and t.text.isalpha():
                    self.counts[t.text] += 1
        for s in self.sents:
            self._role_mentions(s)
            if not s.toks or self.in_quote(s.toks[0].start):
                continue
            first = 1 if s.toks[0].low in _CONJ else 0
            subject = np_forward(s.toks, first, self.language)
            if subject and subject[0].cap and subject[0].low not in (
                _SUBJECT_STOPS
            ) and (subject[0].low not in DETERMINERS or (
                self.language == "de" and len(subject) >= 3  # "Die Netzbetreiberin Helga Brandt"
            )):
                name, span = self.canonical(subject)
                score = self.person_score(name) if name else 0
                if score == 2 and self.language == "de" and any(
                    t.lemma != t.low for t in subject if t.cap and span and t.start >= span[0]
                ):
                    score = 1  # "Alle Opfer", "Besondere Probleme": inflected words, no name
                if name and span and (self.language == "en" or score == 2):
                    self.mention(span[0], name, score)

    def _role_mentions(self, s: SentenceTokens) -> None:
        """Names next to a person role ("Neal Khosla, Chef ...", "CEO Alexandr Wang")."""
        toks = s.toks
        for i, t in enumerate(toks):
            if not is_role(t, self.language):
                continue
            after = [x for x in np_forward(toks, i + 1, self.language) if x.cap]
            if after and not self.in_quote(after[0].start) and "-" not in after[0].text:
                name = self.expand(self.phrase(after))
                if self.person_score(name) == 2:
                    self.mention(after[0].start, name, 2)
            self._employer(toks, i)
            if i >= 2 and toks[i - 1].text == "," and toks[i - 2].cap and not self.in_quote(t.start):
                before = np_backward(toks, i - 2, self.language)
                if before:
                    self.mention(before[0].start, self.expand(self.phrase(before)), 2)

    def _employer(self, toks: tuple[Tok, ...], i: int) -> None:
        """"an analyst at Wedbush", "the chief executive of Arcline": the organisation a role
        belongs to is a mention, so that "the company" can refer to it later."""
        j = i + 1
        while j < len(toks) and is_role(toks[j], self.language) and not toks[j].cap:
            j += 1
        if j + 1 >= len(toks) or toks[j].low not in ("at", "of", "for", "bei", "von") \
                or self.in_quote(toks[j].start):
            return
        if toks[i].low in _NOT_PERSON_ROLES:
            return
        org = _names(np_forward(toks, j + 1, self.language))
        after = org[-1].i + 1 if org else len(toks)
        if after < len(toks) and toks[after].word and not toks[after].cap:
            return  # "the personal data of Italian users": an adjective, no organisation
        if org and self.language == "en":
            self.mention(org[0].start, self.phrase(org), 0)

    def phrase(self, toks: list[Tok]) -> str:
        return self.text[toks[0].start: toks[-1].end]

    def mention(self, pos: int, name: str, person: int) -> None:
        if self.in_quote(pos):
            return
        self.mentions.append(Mention(pos, name, person))

    def canonical(self, np: list[Tok]) -> tuple[str | None, tuple[int, int] | None]:
        """Name and span of a speaker phrase, or (None, None) when it is only a description."""
        toks = [t for t in np if t.text not in QUOTE_CHARS]
        if len(toks) == 1 and toks[0].low in PRONOUNS:
            return None, None
        title = _quoted_title(np)
        if title:
            return self.phrase(title), (title[0].start, title[-1].end)
        if any(t.low in ("wie", "such") for t in toks):
            k = max((i for i, t in enumerate(toks) if t.low in ("wie", "as")), default=-1)
            toks = toks[k + 1:]
        roles = [i for i, t in enumerate(toks) if is_role(t, self.language)]
        if roles:
            tail = toks[roles[-1] + 1:]
            cut = next((k for k, t in enumerate(tail) if t.low in _SOURCE_LINKS and k), None)
            after = _names(tail[:cut] if cut is not None and _names(tail[:cut]) else tail)
            before = toks[: roles[0]]
            if before and before[-1].low in ("'s", "’s"):
                before = []  # "Italy's data protection authority": a description
            if not after and all(t.low in QUANTIFIERS or not t.cap for t in before):
                return None, None  # "Some analysts", "Viele Experten": a generic description
            toks = after if after else _names(before)
        else:
            names = _names(toks)
            if not names:  # "a survey by Pew Research", "data from the Federal Reserve"
                links = [i for i, t in enumerate(toks) if t.low in _SOURCE_LINKS]
                names = _names(toks[links[-1] + 1:]) if links else []
            toks = names
        if (self.language == "de" and len(toks) == 3 and len(toks[0].text) >= 9
                and toks[0].low.endswith(_DE_ROLE_ENDINGS) and all(t.cap for t in toks)):
            toks = toks[1:]  # "Verbraucherschützerin Maria Lenz": a role compound, then the name
        if len(toks) >= 2 and toks[0].low in ORG_DESCRIPTIONS and _names(toks[1:]):
            toks = toks[1:]  # "Firma Voltis", "Konzern Siemens": the name
        # "Ireland's Data Protection Commission" -> the owned thing
        while len(toks) > 2 and toks[1].low in ("'s", "’s"):
            toks = toks[2:]
        if not toks or all(t.low in DETERMINERS for t in toks):
            return None, None
        if len(toks) == 1 and toks[0].low in DESCRIPTIONS:
            return None, None  # "der Konzern": an anaphor, resolved by the caller
        if self.language == "de" and len(toks) == 1:
            return self.expand(self._nominative(toks[0])), (toks[0].start, toks[0].end)
        return self.expand(self.phrase(toks)), (toks[0].start, toks[-1].end)

    def _nominative(self, tok: Tok) -> str:
        """"nach Angaben des Landkreises" names the "Landkreis": a common noun after "des" loses
        its genitive ending when its lemma says so (names and unknown words stay as written)."""
        before = self.sents[tok.sent].toks[tok.i - 1] if tok.i else None
        rest = tok.low[len(tok.lemma):] if tok.low.startswith(tok.lemma) else ""
        if before is not None and before.low == "des" and rest in ("s", "es") and len(tok.lemma) > 3:
            return tok.text[: len(tok.lemma)]
        return tok.text

    def expand(self, name: str) -> str:
        """Full name from elsewhere in the item and the majority spelling of each part."""
        parts = name.split()
        if len(parts) == 1:
            parts = self._full_name(parts[0])
        return " ".join(self._spelling(p) for p in parts)

    def _full_name(self, word: str) -> list[str]:
        """The first full name ending in ``word`` (memoised: a scan of every name per mention
        made long texts quadratic)."""
        if word not in self._full_names:
            full = next((f for f in self.names if len(f) >= 2 and _same(f[-1], word)), (word,))
            self._full_names[word] = list(full)
        return self._full_names[word]

    def _spelling(self, word: str) -> str:
        if len(word) < 5 or not word.isalpha():
            return word
        cached = self._spellings.get(word)
        if cached is not None:
            return cached
        variants = [w for w in self.counts
                    if w[:1] == word[:1] and abs(len(w) - len(word)) <= 2 and _same(w, word)]
        self._spellings[word] = self._majority(word, variants)
        return self._spellings[word]

    def _majority(self, word: str, variants: list[str]) -> str:
        if len(variants) <= 1:
            return word

        def score(v: str) -> int:
            return sum(n for w, n in self.counts.items() if w.startswith(v) and len(w) - len(v) <= 1)

        return max(variants, key=lambda v: (score(v), v == word))

    def resolve_anaphor(self, np: list[Tok], pos: int) -> str | None:
        """A pronoun or a description: the last fitting speaker or mention before ``pos``."""
        low = [t.low for t in np if t.low not in DETERMINERS or t.low in _POSS]
        if not low:
            return None
        want_person: bool | None
        if len(low) == 1 and low[0] in ("seiner", "dessen"):
            low = ["er"]
        elif len(low) == 1 and low[0] in ("ihrer", "deren"):
            low = ["sie"]
        if len(low) == 1 and low[0] in coref.pronouns(self.language):
            return coref.resolve_pronoun(low[0], self.language, self.mentions, pos, self._genders)
        if len(low) == 1 and low[0] in PERSON_PRONOUNS:
            want_person = True
        elif low[-1] in _INSTITUTIONS and self.language == "en":
            return None  # "the ministry" is not the company named before: said as written
        elif (len(low) == 1 and low[0] in THING_PRONOUNS) or low[-1] in ORG_DESCRIPTIONS:
            want_person = False
        elif low[-1] in PERSON_DESCRIPTIONS:
            want_person = True
        else:
            return None
        for m in sorted((m for m in self.mentions if m.pos < pos), key=lambda m: -m.pos):
            if (m.person >= 1) if want_person else (m.person <= 1):
                return m.name
        return None

    def description(self, np: list[Tok]) -> str | None:
        """A speaker named only by what it is ("Ein Sprecher des Ministeriums", "Critics"), used
        as written when no name or earlier speaker fits: the article's words, not an invention."""
        toks = [t for t in np if t.text not in QUOTE_CHARS]
        if coref.is_agent_description([t.text for t in toks], self.language, DETERMINERS):
            return coref.as_written([t.text for t in toks])  # "The judge", "The poll"
        if self.language == "en" and toks and toks[-1].low in DESCRIPTIONS and \
                all(not t.cap or t.low in DETERMINERS for t in toks):
            phrase = self.phrase(toks)  # "the company", kept with its article
            return phrase[:1].upper() + phrase[1:]
        while toks and toks[0].low in DETERMINERS:
            toks = toks[1:]
        if not toks or not any(t.cap or is_role(t, self.language) for t in toks):
            return None
        phrase = self.phrase(toks)
        return phrase[:1].upper() + phrase[1:]

    def last_mention(self, start: int, end: int) -> tuple[str | None, Span | None]:
        """The last speaker named in ``[start, end)`` and where (its name as written there)."""
        inside = [m for m in self.mentions if start <= m.pos < end]
        if not inside:
            return None, None
        last = max(inside, key=lambda m: m.pos)
        written = re.match(r"[\w.\-’' ]*", self.text[last.pos:last.pos + len(last.name) + 20])
        width = len(last.name) if self.text.startswith(last.name, last.pos) else len(
            (written.group(0) if written else "").split(" ")[0])
        return last.name, (last.pos, last.pos + max(1, width))

    def person_score(self, name: str) -> int:
        parts = name.split()
        if any(re.search(r"[a-zäöü][A-Z]|\d", p) or p.isupper() or p.casefold() in _ORG_WORDS
               for p in parts):
            return 0
        return 2 if len(parts) >= 2 and len(parts) <= 3 and all(p.isalpha() for p in parts) else 1


def _quoted_title(np: list[Tok]) -> list[Tok] | None:
    inside: list[Tok] = []
    opened = False
    for t in np:
        if t.text in QUOTE_CHARS:
            if opened:
                return inside or None
            opened = True
            continue
        if opened:
            inside.append(t)
    return None


def _names(toks: list[Tok]) -> list[Tok]:
    while toks and (toks[0].low in LINKERS or toks[0].low in DETERMINERS):
        toks = toks[1:]
    while toks and (toks[-1].low in LINKERS or toks[-1].low in DETERMINERS):
        toks = toks[:-1]
    for k, t in enumerate(toks):
        if t.cap or t.text[:1].isdigit() or t.low in ("'s", "’s"):
            continue
        if k and _NAME_TOKEN.match(t.text) and toks[k - 1].text[:1].isdigit():
            continue  # "GPT 4. o"
        return []
    return toks


@lru_cache(maxsize=65536)
def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    # difflib's two cheap upper bounds of ratio() first: most pairs fail on them, and a pair that
    # fails a bound fails ratio() too, so the answer is the same
    matcher = SequenceMatcher(None, a.casefold(), b.casefold())
    return (matcher.real_quick_ratio() >= 0.88 and matcher.quick_ratio() >= 0.88
            and matcher.ratio() >= 0.88)
