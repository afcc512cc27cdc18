"""Pronoun and description sources: who "he", "she", "they" or "the company" refers to.

Language-neutral rules over per-language word lists (``bot/claims/data/pronouns.LANG.txt``,
``agents.LANG.txt``; a language without lists resolves nothing here). A pronoun goes to the last
earlier mention that fits its kind and, where the article tells (by "Mr."/"Ms." or "Herr"/"Frau"),
its gender. Nothing is ever dropped: a pronoun nobody fits stays the claimant as written ("He"),
with the pronoun as its span, which is what the corpora annotate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

_KINDS = ("male", "female", "person", "group", "thing")
_TITLES = {  # a courtesy title before a surname tells the person's gender
    "mr.": "male", "mr": "male", "mrs.": "female", "mrs": "female", "ms.": "female", "ms": "female",
    "herr": "male", "frau": "female",
}
_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Herr|Frau)\.?((?:\s+[A-ZÄÖÜ][\w’'-]+){1,3})")


@dataclass(frozen=True)
class Candidate:
    """An earlier mention: where, the name, and how surely a person (2 sure, 1 either, 0 not)."""

    pos: int
    name: str
    person: int


def _lines(name: str) -> list[str]:
    resource = files("bot.claims").joinpath("data", name)
    if not resource.is_file():
        return []
    return [line.split("#", 1)[0].strip() for line in resource.read_text(encoding="utf-8").splitlines()
            if line.split("#", 1)[0].strip()]


@cache
def pronouns(language: str) -> dict[str, str]:
    """Pronoun → what it can refer to (one of ``_KINDS``)."""
    out = {}
    for line in _lines(f"pronouns.{language}.txt"):
        word, kind = line.split()
        if kind not in _KINDS:
            raise ValueError(f"pronouns.{language}.txt: unknown kind {kind!r} for {word!r}")
        out[word.casefold()] = kind
    return out


@cache
def agent_heads(language: str) -> frozenset[str]:
    """Nouns that make a description a source of its own ("the judge", "the poll")."""
    return frozenset(w.casefold() for w in _lines(f"agents.{language}.txt"))


def genders(text: str) -> dict[str, str]:
    """Surname → gender, from the courtesy titles in the article ("Ms. Park")."""
    found: dict[str, str] = {}
    for title, name in _TITLED.findall(text):
        surname = name.split()[-1]  # "Ms. Lena Park": Park
        gender = _TITLES[title.casefold()]
        found[surname] = gender if found.get(surname, gender) == gender else "unknown"
    return found


def fits(kind: str, candidate: Candidate, known: dict[str, str]) -> bool:
    """Can a pronoun of this kind refer to the candidate?"""
    if kind == "thing":
        return candidate.person <= 1
    if kind == "group":
        return candidate.person <= 1
    if candidate.person < 1:
        return False
    if kind in ("male", "female"):
        gender = known.get(candidate.name.split()[-1])
        return gender in (None, "unknown", kind)
    return True


def resolve_pronoun(word: str, language: str, candidates: Iterable[Candidate], pos: int,
                    known: dict[str, str]) -> str | None:
    """The last candidate before ``pos`` the pronoun can refer to, or None."""
    kind = pronouns(language).get(word.casefold())
    if kind is None:
        return None
    for candidate in sorted((c for c in candidates if c.pos < pos), key=lambda c: -c.pos):
        if fits(kind, candidate, known):
            return candidate.name
    return None


def as_written(words: list[str]) -> str:
    """A source kept in the article's words, capitalised: "he" → "He", "the judge" → "The judge"."""
    phrase = " ".join(words)
    return phrase[:1].upper() + phrase[1:]


def is_agent_description(words: list[str], language: str, determiners: Iterable[str]) -> bool:
    """"the judge", "a campaign spokesman", "all three candidates": a determiner, quantifier or
    number, lower-case words, and a head that can speak."""
    if len(words) < 2 or len(words) > 5:
        return False
    first = words[0].casefold()
    if first not in set(determiners) and first not in _QUANTIFIERS and not first[:1].isdigit():
        return False
    rest = words[1:]
    return all(w.isalpha() and w.islower() for w in rest) and rest[-1] in agent_heads(language)


_QUANTIFIERS = {"all", "both", "many", "most", "some", "several", "few", "two", "three", "four",
                "half"}
