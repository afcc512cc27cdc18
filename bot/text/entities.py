"""Figures and names found by surface patterns: the cheap, language-agnostic signals that the
summarizer (coverage of key facts), figure extraction and story clustering share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.text.lemmas import is_known
from bot.text.lexicon import words

_NUM = r"\d{1,3}(?:[.,’']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_SCALE = (
    r"Millionen|Milliarden|Billionen|Tausend|Mio\.|Mrd\.|Mio|Mrd|million|billion|trillion|"
    r"thousand|bn|mn|m\b|k\b"
)
_UNIT = (
    r"US-Dollar|Dollar|Euro|Yuan|Pfund|Franken|Prozentpunkte|Prozent|percentage points|percent|"
    r"per cent|%|dollars|euros|pounds"
)
FIGURE = re.compile(
    rf"(?P<cur>US\$|\$|€|£)?\s?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE}))?(?:\s?(?P<unit>{_UNIT}))?",
    re.UNICODE,
)
_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)$")
_ORDINAL_DOT = re.compile(r"\d+\.\s")
_FINAL_DOT = re.compile(r"\.\s*$")
# model and product codes: H20, H100, GPT-4o, R1, 4.o
CODE = re.compile(r"(?<![\w.,])(?:[A-Z]{1,5}-?\d[\w.]*|\d+\.o)(?![\w])")
_ENTITY_TOKEN = re.compile(r"^(?:[A-ZÄÖÜ][a-zäöüß]+[A-Z]\w*|[A-ZÄÖÜ]{2,}\w*|\w*\d\w*)$")


@dataclass(frozen=True)
class FigureMatch:
    start: int
    end: int
    value: str
    number: float
    has_unit: bool


def parse_number(text: str, language: str = "de") -> float | None:
    """'5,6' -> 5.6 (de), '50.000' -> 50000, '5.6' -> 5.6 (en), '1,200' -> 1200 (en)."""
    t = text.replace("’", "").replace("'", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t):
        # thousands separators, except a single one that the language reads as a decimal mark
        if language == "en" and "," not in t and t.count(".") == 1:
            return float(t)
        if language == "de" and "." not in t and t.count(",") == 1:
            return float(t.replace(",", "."))
        return float(re.sub(r"[.,]", "", t))
    if language == "de":
        t = t.replace(".", "").replace(",", ".")
    else:
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def find_figures(text: str, language: str = "de") -> list[FigureMatch]:
    """Amounts, percentages and counts; bare years, ordinals and parts of codes are left out."""
    return list(_figures_of(text, language))


@lru_cache(maxsize=1024)
def _figures_of(text: str, language: str) -> tuple[FigureMatch, ...]:
    """Cached for recent sentences: the summary and the figures of an item look at the same
    sentences, and the matches of a text cannot change."""
    out: list[FigureMatch] = []
    for m in FIGURE.finditer(text):
        num = m.group("num")
        start, end = m.start("num"), m.end()
        if m.group("cur"):
            start = m.start("cur")
        before = text[max(0, start - 1):start]
        after = text[end:end + 1]
        if before and (before.isalpha() or before in "-./"):
            continue  # H100, GPT-4o, 4.o
        if after and (after.isalpha() and not m.group("scale") and not m.group("unit")):
            continue  # 4o, 3D
        ordinal = (
            after == "."
            and _ORDINAL_DOT.match(text[m.start("num"):end + 2])
            and not (m.group("scale") or m.group("unit"))
            and (not _FINAL_DOT.match(text[end:end + 2]) or _YEAR.match(num))
        )
        if ordinal:
            continue  # "12. Okt." or "3. Quartal"; "2023." at a sentence end is a year anyway
        has_unit = bool(m.group("cur") or m.group("scale") or m.group("unit"))
        value = parse_number(num, language)
        if value is None:
            continue
        if not has_unit and (_YEAR.match(num) or value < 1000):
            continue
        out.append(FigureMatch(start, end, text[start:end].strip(), value, has_unit))
    return tuple(out)


def codes(text: str) -> list[str]:
    return [m.group(0).rstrip(".") for m in CODE.finditer(text)]


def is_entity_token(token: str) -> bool:
    """DeepSeek, OpenAI, USA, H20, GPT-4o: shapes that ordinary words do not have."""
    return bool(_ENTITY_TOKEN.match(token)) and len(token) > 1


def name_sequences(text: str) -> list[str]:
    """Runs of two or more capitalised words not opening the sentence ("Sam Altman", "Silicon
    Valley"). German nouns are capitalised too, so callers treat these as hints, not facts."""
    out: list[str] = []
    for m in re.finditer(r"(?<=[\s(„\"'])([A-ZÄÖÜ][\w\-]+(?:\s+[A-ZÄÖÜ][\w\-]+)+)", text):
        out.append(m.group(1))
    return out


_ARTICLES = words("der die das des dem den ein eine einer eines einem einen the a an")
_OPENERS = frozenset(".!?:„“\"»«")
_CAP = re.compile(r"[A-ZÄÖÜ][\w\-]*")
_NAME_WORDS = re.compile(r"[\w\-]+|[^\w\s]")
_INFLECTED = re.compile(r"(?:en|er|es|em|e|ung|heit|keit|ität)$")


@lru_cache(maxsize=8)
def name_tokens(text: str) -> frozenset[str]:
    """Tokens that look like parts of names: two adjacent capitalised words where the first is not
    an inflected German adjective or noun ("Marc Andressen", "Elon Musk", not "Vereinigten
    Staaten" or "Branchenausrüster Nvidia"), and not led by an article.

    Cached for the last few texts: the summary and the figures of one item both ask for its text's
    names, and the answer cannot change."""
    words = _NAME_WORDS.findall(text)
    out: set[str] = set()
    for i in range(1, len(words) - 1):
        a, b = words[i], words[i + 1]
        if not (_CAP.fullmatch(a) and _CAP.fullmatch(b)):
            continue
        if words[i - 1].casefold() in _ARTICLES or words[i - 1] in _OPENERS:
            continue
        if _INFLECTED.search(a) and not is_entity_token(a):
            continue
        out.update((a, b))
    return frozenset(out)


@lru_cache(maxsize=8192)
def known_german(token: str) -> bool:
    """True when the German lemma table knows the word: a capitalised word it does not know is
    most likely a name (Nvidia, Colossus), one it knows a noun (Buchwert, Kosten)."""
    try:
        return is_known(token, "de")
    except ValueError:
        return True
