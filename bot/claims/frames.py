"""Cue recognition and the shape of a frame around it: subject, message, coordination.

Pure functions over one sentence's tokens; extract.py decides which frames become claims.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.claims import coref
from bot.claims.claimants import np_backward, np_forward
from bot.claims.doc import Tok
from bot.claims.lexicon import (
    DETERMINERS,
    INTEND_FORMS,
    KONJUNKTIV,
    KONJUNKTIV_II,
    MENTAL_LEMMAS,
    NEEDS_PARTICLE,
    PRONOUNS,
    QUOTE_LEMMAS,
    SEPARABLE,
    SPEECH_LEMMAS,
    SURFACE,
)

EN_AUX = {"also", "however", "has", "have", "had", "then", "later", "recently", "previously",
          "repeatedly", "already", "once", "again", "further", "publicly", "privately",
          "reportedly", "allegedly", "first"}
EN_FINITE = {"was", "were", "is", "are", "has", "had", "have", "will", "would", "could", "can",
             "did", "does", "do", "may", "might", "should", "must"}
EN_STOP_WORDS = {"that", "who", "which", "was", "were", "is", "are", "has", "had", "have", "will",
                 "would", "could", "can", "did", "does", "do", "not", "and", "or", "but", "when",
                 "if", "as", "because", "while", "said", "says", "say"}
EN_PREP = {"in", "on", "at", "to", "for", "with", "by", "from", "after", "before", "during",
           "aboard", "of", "via", "over", "through", "under", "about"}
DE_ADVERBS = {"schon", "derweil", "nun", "jedoch", "aber", "auch", "zudem", "noch", "dabei", "inzwischen",
              "bereits", "sogar", "nämlich", "allerdings", "dagegen", "hingegen", "wiederum"}
CONJ = {"und", "aber", "doch", "denn", "and", "but", "yet", "so", "oder", "or"}
PARTICIPLES = {"adding", "saying", "arguing", "warning", "noting", "insisting", "claiming",
               "ergänzte", "hinzufügend"}


@dataclass(frozen=True)
class Cue:
    lemma: str
    index: int
    particle: int | None = None

    def label(self, toks: tuple[Tok, ...]) -> str:
        head = toks[self.index].text
        if self.lemma == "go on to say":
            return " ".join(t.text for t in toks[self.index: self.index + 4])
        if self.particle is not None:
            return f"{head} … {toks[self.particle].text}"
        if self.index + 1 < len(toks) and toks[self.index + 1].low == "sich":
            return f"{head} sich"
        return head

    def span(self, toks: tuple[Tok, ...]) -> tuple[int, int]:
        t = toks[self.index]
        if self.particle is None and self.index + 1 < len(toks) and toks[self.index + 1].low == "sich":
            return (t.start, toks[self.index + 1].end)
        return (t.start, t.end)


def quote_cue_at(toks: tuple[Tok, ...], i: int, language: str) -> Cue | None:
    """A cue beside a direct quote: any speech verb, or one of the quote-only verbs."""
    cue = cue_at(toks, i, language)
    if cue is not None:
        return cue
    t = toks[i]
    lem = SURFACE.get(language, {}).get(t.low) or t.lemma
    if t.word and not (t.cap and i > 0) and lem in QUOTE_LEMMAS.get(language, set()) and \
            not (i and toks[i - 1].low in DETERMINERS):
        return Cue(lem, i)
    return None


def cue_at(toks: tuple[Tok, ...], i: int, language: str) -> Cue | None:
    """A speech, thought or prediction verb at ``i`` (with its closing particle when separable)."""
    t = toks[i]
    if not t.word or (t.cap and i > 0):
        return None
    low = t.low
    if language == "de":
        lem = SURFACE["de"].get(low) or t.lemma
        if lem == "überzeugt" or (lem == "halten" and i + 2 < len(toks) and toks[i + 1].low == "es"
                                  and any(x.low == "für" for x in toks[i + 2: i + 5])):
            return Cue(lem, i)  # "hält es für möglich, dass …"
        if lem not in SPEECH_LEMMAS["de"] and lem not in SEPARABLE:
            return None
        particle = None
        if lem == "sprechen" and i + 1 < len(toks) and toks[i + 1].low in ("von", "vom"):
            return Cue(lem, i)
        if lem in SEPARABLE:
            particle = None
            for word in SEPARABLE[lem]:
                particle = _particle(toks, i, word)
                if particle is not None:
                    break
            if lem == "schlagen" and toks[particle or i].low == "an" and not any(
                x.low == "töne" for x in toks[i:particle or i]
            ):
                return None
            if particle is None and lem in NEEDS_PARTICLE:
                return None
        return Cue(lem, i, particle)
    return _english_cue(toks, i)


def _english_cue(toks: tuple[Tok, ...], i: int) -> Cue | None:
    t = toks[i]
    low = t.low
    if low in ("went", "goes", "go") and [x.low for x in toks[i + 1: i + 4]] == ["on", "to", "say"]:
        return Cue("go on to say", i)  # "She went on to say that …"
    lem2 = SURFACE["en"].get(low)
    if lem2 is None:
        if t.lemma not in SPEECH_LEMMAS["en"] and t.lemma not in INTEND_FORMS["en"]:
            return None
        prev = toks[i - 1] if i else None
        if prev is None or prev.low in DETERMINERS or prev.low in EN_PREP or prev.low in ("'s", "’s"):
            return None
        if low == t.lemma and not (
            prev.low in ("i", "we", "they", "you", "will", "would", "could", "may", "might", "who")
            or (prev.low.endswith("s") and prev.low.isalpha() and not prev.cap)
            or (prev.cap and prev.low.isalpha())
        ):
            return None
        lem2 = t.lemma
    if lem2 not in SPEECH_LEMMAS["en"] and lem2 not in INTEND_FORMS["en"]:
        return None
    if i > 0 and toks[i - 1].low in DETERMINERS:
        return None
    return Cue(lem2, i)


def _particle(toks: tuple[Tok, ...], i: int, particle: str) -> int | None:
    for j in range(i + 1, len(toks)):
        t = toks[j]
        if t.text in ".!?;" or (t.text == "," and toks[j - 1].low != particle):
            if t.text == ",":
                continue
            return None
        if t.low == particle and (j + 1 == len(toks) or toks[j + 1].punct
                                  or toks[j + 1].low in ("und", "oder")):
            return j
    return None


def skip_de_adverbs(toks: tuple[Tok, ...], j: int) -> int:
    while j < len(toks) and (toks[j].low == "sich" or toks[j].low in DE_ADVERBS):
        j += 1
    return j


def german_subject(toks: tuple[Tok, ...], i: int, language: str) -> list[Tok] | None:
    """The sentence-initial subject when the cue at ``i`` is its verb (V2 or clause-final)."""
    k = 1 if toks and toks[0].low in CONJ else 0
    np = np_forward(toks, k, language)
    if not np or not any(x.cap or x.low in PRONOUNS for x in np):
        return None
    e = np[-1].i + 1
    if e < i and toks[e].text == ",":
        nxt = next((x.i for x in toks[e + 1: i] if x.text == ","), None)
        if nxt is None:
            appos = np_forward(toks, e + 1, language)  # "Ein Sprecher der Polizei, Commander
            return np if appos and appos[-1].i + 1 == i else None  # Randy Henderson sagte"
        e = nxt + 1
    if e == i:
        return np
    if e < i and toks[e].low in _FINITE_AUX and all(x.text not in (",", ";", ":", "„", "“")
                                                    for x in toks[e:i]):
        return np  # "Joseph Deiss hat am Donnerstag angekündigt, …"
    if e < i and not toks[e].cap and all(
        x.word and not x.cap for x in toks[e: i]
    ):
        return np
    if e < i and all(_np_tail(toks, x) for x in toks[e:i]):
        return np  # "Ein Regierungssprecher in Berlin sagte", "Stoiber ( CSU ) sagte"
    return None


_FINITE_AUX = {"hat", "hatte", "haben", "hatten", "ist", "war", "wird", "wurde", "habe", "hätte"}


def inverted_subject(toks: tuple[Tok, ...], i: int, language: str) -> list[Tok] | None:
    """"Bereits im Dezember hatte Kanzlerin Angela Merkel … verkündet": the subject right after
    the finite auxiliary of a verb-second clause whose cue is the participle at ``i``."""
    for j in range(1, i - 1):
        if toks[j].low in _FINITE_AUX and toks[j - 1].text != ",":
            np = np_forward(toks, j + 1, language)
            if np and np[-1].i < i and any(x.cap for x in np) and not np[0].low.startswith("es"):
                return np
            return None
    return None


_NP_TAIL = {"in", "im", "aus", "von", "vom", "bei", "beim", "der", "die", "das", "des", "dem",
            "den", "ein", "eine", "einer", "eines", "einem", "und", "sowie", "für", "am", "zu",
            "zum", "zur", "(", ")", ",", "–", "-"}


def _np_tail(toks: tuple[Tok, ...], t: Tok) -> bool:
    if t.cap or t.low in _NP_TAIL:
        return True
    return t.i + 1 < len(toks) and toks[t.i + 1].cap and t.low.isalpha()



def english_subject(toks: tuple[Tok, ...], i: int, language: str) -> list[Tok] | str | None:
    """The phrase before the cue; "and" means the subject of the previous cue (returns "and")."""
    j = i - 1
    while j >= 0 and (toks[j].low in EN_AUX or (language == "en" and toks[j].low in _EN_MODALS)):
        j -= 1
    if j < 0 or (language == "en" and any(t.low in ("not", "n't", "never") for t in toks[j + 1:i])):
        return None  # "did not say": no claim of the subject's
    if toks[j].low in ("and", "und") or (language == "en" and toks[j].low == "but"):
        return "and"
    if toks[j].low in ("who", "which", "that") and j >= 2 and toks[j - 1].text == ",":
        return np_backward(toks, j - 2, language) or None
    if toks[j].low == "who" and j >= 1 and language == "en":
        return np_backward(toks, j - 1, language) or None  # "business leaders who say"
    if toks[j].text == ",":
        k = next((x.i for x in reversed(toks[:j]) if x.text == ","), None)
        if k is None or k == 0:
            return None
        j = k - 1
    if language == "en":
        group = english_group(toks, j)
        if group:
            return group
        if toks[j].text == ")":  # "Sen. Bernie Sanders (I-Vt.) said"
            opening = next((x.i for x in reversed(toks[max(0, j - 6):j]) if x.text == "("), None)
            if opening is not None and opening > 0:
                named = np_backward(toks, opening - 1, language)
                if named and named[-1].cap:
                    return [*named, *toks[opening:j + 1]]
    return np_backward(toks, j, language) or None


_EN_MODALS = {"is", "are", "was", "were", "will", "would", "could", "can", "may", "might",
              "should", "must", "did", "does", "do", "been", "be", "not", "n't", "never", "still",
              "often", "also", "now", "just", "even", "only", "frequently", "long", "usually"}
_GROUP_LINKS = {"of", "'s", "’s", "percent", "all", "both", "half", "most", "many", "some",
                "several", "few", "other", "more", "than"}


def english_group(toks: tuple[Tok, ...], j: int) -> list[Tok] | None:
    """"All three candidates", "half of GOP primary voters", "a New Hampshire paper": a phrase
    ending in a lower-case noun that can speak (agents.en.txt), read back to its determiner,
    quantifier, number or name."""
    if toks[j].cap or toks[j].low not in coref.agent_heads("en"):
        return None
    left = j
    anchor = j
    k = j - 1
    while k >= 0 and j - k <= 7:
        t = toks[k]
        if t.low in DETERMINERS:
            anchor = k
            break
        if not t.word and t.low not in ("'s", "’s"):
            break
        if t.low in EN_STOP_WORDS or (t.low in EN_PREP and t.low != "of"):
            break
        if t.cap or t.text[:1].isdigit() or t.low in _GROUP_LINKS:
            anchor = k
        k -= 1
    left = anchor
    while left < j and toks[left].low in ("of", "'s", "’s", "than"):
        left += 1
    return list(toks[left:j + 1])


def clause_end(toks: tuple[Tok, ...], start: int, language: str, stop_cues: bool = True) -> int:
    """Index after the last message token from ``start``: sentence end, a dash aside, or a
    coordinated second cue ("and warned that", ", adding that")."""
    end = len(toks)
    while end > start and toks[end - 1].text in ".!?":
        end -= 1
    for j in range(start + 1, end):
        t = toks[j]
        if t.text in ("–", "—") and j - start >= 3:
            return j
        if stop_cues and t.low in ("and", "und") and j + 1 < end and _speech_cue(toks, j + 1, language):
            return j - 1 if toks[j - 1].text == "," else j
        if language == "en" and stop_cues and j - start >= 3 and _english_clause_break(toks, j, end):
            return j
        if stop_cues and t.text == "," and j + 1 < end and (
            toks[j + 1].low in PARTICIPLES
            or (toks[j + 1].low == "according" and language == "en")
            or _trailing_attribution(toks, j + 1, end, language)
        ):
            return j
    return end


_EN_BREAKS = {"but", "while", "whereas"}


def _english_clause_break(toks: tuple[Tok, ...], j: int, end: int) -> bool:
    """Where the reporter's own words take over after a reported clause: a semicolon, "--",
    ", but …", ", while …", or a participle aside (", putting them at odds …")."""
    t = toks[j]
    if t.text in (";", "--"):
        return True
    if t.text != "," or j + 1 >= end:
        return False
    nxt = toks[j + 1]
    return nxt.low in _EN_BREAKS


def _speech_cue(toks: tuple[Tok, ...], i: int, language: str) -> bool:
    """A coordinated speech verb opens a new claim; a thought verb ("and showed that") goes on."""
    cue = cue_at(toks, i, language)
    return cue is not None and cue.lemma not in MENTAL_LEMMAS[language]


def _trailing_attribution(toks: tuple[Tok, ...], k: int, end: int, language: str) -> bool:
    """", chief executive Lena Park said." / ", sagte Finanzminister Weber am Montag." closes."""
    for j in range(k, min(end, k + 7)):
        if toks[j].punct and toks[j].low not in ("'s", "’s", "-"):
            return False
        if cue_at(toks, j, language) is not None:
            return all(t.text not in (",", ":", ";") for t in toks[j + 1:end])
    return False


def is_konjunktiv(toks: tuple[Tok, ...], t: Tok, second: bool = False) -> bool:
    """Konjunktiv I (3rd person: "sei", "benötige", "besitze"), with ``second`` also II."""
    if t.i == 0 or t.cap or (t.i + 1 < len(toks) and toks[t.i + 1].low in ("ich", "wir")):
        return False  # "Tatsächlich fühle ich mich …": first person, inverted, indicative
    low = t.low
    if low in KONJUNKTIV or (second and low in KONJUNKTIV_II):
        return toks[t.i - 1].low not in ("ich",)
    if toks[t.i - 1].low in ("ich", "wir", "die"):
        return False
    lem = t.lemma
    stem = lem[:-2] if lem.endswith("en") else lem[:-1] if lem.endswith(("ern", "eln")) else None
    return (
        len(low) > 3 and low.endswith("e") and stem is not None and lem != low
        and stem == low[:-1] and toks[t.i - 1].low not in ("zu", "ich")
    )


def infinitive_end(toks: tuple[Tok, ...], i: int) -> bool:
    """"… will ein neues Werk bauen", "… sollen sich dort befinden": the clause after the modal
    at ``i`` ends in an infinitive (German)."""
    j = i + 1
    while j < len(toks) and toks[j].text not in (",", ".", ";", ":", "!", "?", "–"):
        j += 1
    last = toks[j - 1] if j - 1 > i else None
    return last is not None and not last.cap and last.low.endswith(
        ("en", "ern", "eln", "sein", "tun"))


def has_konjunktiv(toks: tuple[Tok, ...], start: int) -> bool:
    return any(is_konjunktiv(toks, t, second=True) for t in toks[start:])


def is_pronoun(np: list[Tok]) -> bool:
    return len(np) == 1 and np[0].low in PRONOUNS
