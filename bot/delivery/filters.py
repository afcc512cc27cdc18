"""Include and exclude words of a subscription: whole words and phrases, case- and
accent-insensitive ("Überwachung" matches "uberwachung" and "ÜBERWACHUNG"), no user regular
expressions (a pattern from chat could make the server spin)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: NFKD, combining marks dropped, casefolded (ß becomes ss)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> str:
    """The folded words of ``text`` joined by single spaces, with a space at each end, so that
    a phrase matches as `` phrase `` and never inside a longer word."""
    return " " + " ".join(_WORD.findall(fold(text))) + " "


@dataclass(frozen=True)
class WordFilter:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: Sequence[str], exclude: Sequence[str]) -> WordFilter:
        return cls(tuple(w for w in (words(p) for p in include) if w.strip()),
                   tuple(w for w in (words(p) for p in exclude) if w.strip()))

    def allows(self, *texts: str) -> bool:
        """True when no exclude phrase occurs and, if there are include phrases, one does."""
        haystack = "".join(words(t) for t in texts)
        if any(phrase in haystack for phrase in self.exclude):
            return False
        return not self.include or any(phrase in haystack for phrase in self.include)
