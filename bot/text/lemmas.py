"""simplemma lemmas without simplemma's in-memory tables.

simplemma 2 decodes its whole German dictionary into a Python dict on first use: about 110 MB
resident in every process and 2-3 s of CPU before the first German word. The same dictionary is
written once to a cache folder as a sorted file (keys and values as UTF-8, one offset table) and read
through ``mmap`` with a binary search: the pages a lookup touches are shared between processes and
dropped by the kernel under pressure, and a cold process opens it in microseconds.

The lemmas are simplemma's own: its ``DefaultStrategy`` (rules, affixes, compounds) runs unchanged on
a ``Mapping`` that holds exactly the entries of its shipped dictionary. The file is built in a child
process, so the 110 MB table never lives in the bot's process; its name carries simplemma's version and
the size and time of the shipped data file, so an upgrade builds a new one. When the cache folder
cannot be written the shipped in-memory tables are used (same lemmas, more memory).
"""

from __future__ import annotations

import mmap
import os
import struct
import subprocess
import sys
import tempfile
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from simplemma import Lemmatizer
from simplemma.__metadata__ import __version__ as SIMPLEMMA_VERSION
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY, DefaultDictionaryFactory
from simplemma.strategies.dictionaries.dictionary_factory import DATA_FOLDER
from simplemma.utils import normalize_token

LANGUAGES = ("de", "en")
_MAGIC = b"BBLEMMA1"
_HEADER = struct.Struct("<8sI")
_OFFSET = struct.Struct("<I")


def cache_folder() -> Path:
    """``$BRIEFBOT_CACHE_DIR``, else ``$XDG_CACHE_HOME/briefbot``, else ``~/.cache/briefbot``."""
    explicit = os.environ.get("BRIEFBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefbot"


def table_path(language: str, folder: Path | None = None) -> Path:
    """The cache file for one language, named after the simplemma data it was built from."""
    source = DATA_FOLDER / f"{language}.plzma"
    stat = source.stat()
    name = f"lemmas-{language}-simplemma{SIMPLEMMA_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.bin"
    return (folder or cache_folder()) / name


def write_table(language: str, target: Path) -> None:
    """Write simplemma's dictionary for ``language`` to ``target`` (atomically: temp file, rename)."""
    mapping = DefaultDictionaryFactory().get_dictionary(language)
    entries = sorted((key.encode(), value.encode()) for key, value in mapping.items())
    offsets = bytearray()
    data = bytearray()
    for key, value in entries:
        offsets += _OFFSET.pack(len(data))
        data += key + b"\0" + value + b"\0"
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(_HEADER.pack(_MAGIC, len(entries)))
        out.write(offsets)
        out.write(data)
    written = Path(temp)
    written.chmod(0o644)  # mkstemp makes it private; the table can be shared by every user's bot
    written.replace(target)


def _build_in_child(language: str, target: Path) -> bool:
    """Build the table in a child process so that the full dict never inflates this one."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.text.lemmas", language, str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0 and target.is_file()


class _SortedKeys:
    """The i-th key of the table, for ``bisect`` (which only needs ``__getitem__`` and ``len``)."""

    __slots__ = ("_count", "_data", "_view")

    def __init__(self, view: mmap.mmap, count: int) -> None:
        self._view = view
        self._count = count
        self._data = _HEADER.size + count * _OFFSET.size

    def __len__(self) -> int:
        return self._count

    def start(self, index: int) -> int:
        offset: int = _OFFSET.unpack_from(self._view, _HEADER.size + index * _OFFSET.size)[0]
        return self._data + offset

    def __getitem__(self, index: int) -> bytes:
        begin = self.start(index)
        return self._view[begin:self._view.find(b"\0", begin)]


class LemmaTable(Mapping[str, str]):
    """simplemma's dictionary of one language, read from the mmapped cache file."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self._view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        magic, count = _HEADER.unpack_from(self._view, 0)
        if magic != _MAGIC:
            raise ValueError(f"{path} is not a briefbot lemma table")
        self._keys = _SortedKeys(self._view, count)

    def get(self, key: str, default: Any = None) -> Any:
        target = key.encode()
        index = bisect_left(self._keys, target)
        if index == len(self._keys) or self._keys[index] != target:
            return default
        begin = self._keys.start(index) + len(target) + 1
        return self._view[begin:self._view.find(b"\0", begin)].decode()

    def __getitem__(self, key: str) -> str:
        value: str | None = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        for index in range(len(self._keys)):
            yield self._keys[index].decode()

    def __len__(self) -> int:
        return len(self._keys)


class CachedTableFactory:
    """A simplemma ``DictionaryFactory`` over the cache files; builds a missing file once."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder

    @lru_cache(maxsize=8)  # noqa: B019 - one factory per process, tables live as long as it
    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        try:
            path = table_path(lang, self._folder)
            if path.is_file() or _build_in_child(lang, path):
                return LemmaTable(path)
        except (OSError, ValueError):
            pass
        return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)


_FACTORY = CachedTableFactory()
_LEMMATIZER = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_FACTORY))
_LOOKUP = DictionaryLookupStrategy(_FACTORY)


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


@lru_cache(maxsize=131072)
def lemma(token: str, language: str) -> str:
    """simplemma's lemma of ``token`` (as ``simplemma.lemmatize`` gives it, not casefolded)."""
    try:
        return str(_LEMMATIZER.lemmatize(token, _language(language)))
    except ValueError:
        return token


@lru_cache(maxsize=65536)
def is_known(token: str, language: str) -> bool:
    """As ``simplemma.is_known``: the token is in the language's dictionary.

    Raises:
        ValueError: for an empty token, as simplemma does.
    """
    if not token:
        raise ValueError("empty token")
    return _LOOKUP.get_lemma(normalize_token(token), _language(language)) is not None


if __name__ == "__main__":
    write_table(sys.argv[1], Path(sys.argv[2]))
