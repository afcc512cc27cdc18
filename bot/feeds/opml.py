"""OPML 2.0 import and export of feeds (``briefbot feeds import|export``).

Parsing uses the standard library's expat parser directly (for line numbers) and refuses any
document type declaration: no entities, internal or external, are ever expanded or fetched.
Folders (outlines without ``xmlUrl`` that hold outlines) are flattened; each outline that cannot be
used is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from bot.errors import BriefbotError

HTTP_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)


class OPMLError(BriefbotError):
    """The file is not OPML we can read (not XML, a DOCTYPE, no <opml> root)."""


@dataclass(frozen=True)
class OPMLFeed:
    url: str
    name: str
    line: int


@dataclass(frozen=True)
class OPMLProblem:
    line: int
    reason: str


@dataclass
class OPMLDocument:
    feeds: list[OPMLFeed] = field(default_factory=list)
    problems: list[OPMLProblem] = field(default_factory=list)
    title: str = ""


@dataclass
class _Open:
    line: int
    attrs: dict[str, str]
    children: int = 0


class _Reader:
    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.document = OPMLDocument()
        self.stack: list[_Open] = []
        self.root: str | None = None
        self.seen: set[str] = set()
        self.in_title = False

    def _doctype(self, *_: object) -> None:
        raise OPMLError(f"line {self.parser.CurrentLineNumber}: a DOCTYPE is not allowed in OPML "
                        "(entities are never expanded); remove it")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
        self.in_title = tag == "title" and not self.stack
        if tag != "outline":
            return
        if self.stack:
            self.stack[-1].children += 1
        self.stack.append(_Open(self.parser.CurrentLineNumber, attrs))

    def _text(self, data: str) -> None:
        if self.in_title:
            self.document.title += data

    def _end(self, tag: str) -> None:
        self.in_title = False
        if tag == "outline":
            self._outline(self.stack.pop())

    def _outline(self, outline: _Open) -> None:
        url = (outline.attrs.get("xmlUrl") or outline.attrs.get("xmlurl") or "").strip()
        name = (outline.attrs.get("title") or outline.attrs.get("text") or "").strip()
        problems = self.document.problems
        if not url:
            if not outline.children:
                problems.append(OPMLProblem(outline.line, "an outline without xmlUrl (neither a "
                                                          "feed nor a folder of feeds)"))
            return
        if not HTTP_URL.match(url):
            problems.append(OPMLProblem(outline.line, f"xmlUrl {url!r} is not an http(s) address"))
        elif url in self.seen:
            problems.append(OPMLProblem(outline.line, f"{url} is in the file twice (skipped)"))
        else:
            self.seen.add(url)
            self.document.feeds.append(OPMLFeed(url, name or url, outline.line))


def parse_opml(data: bytes) -> OPMLDocument:
    """The feeds of an OPML file, and the outlines it could not use.

    Raises:
        OPMLError: not well-formed XML, a DOCTYPE, or a root other than <opml>.
    """
    reader = _Reader()
    try:
        reader.parser.Parse(data, True)
    except expat.ExpatError as e:
        raise OPMLError(f"not well-formed XML: {expat.ErrorString(e.code)} at line {e.lineno}, "
                        f"column {e.offset}") from None
    if reader.root != "opml":
        raise OPMLError(f"the root element is <{reader.root}>, not <opml>")
    return reader.document


def write_opml(feeds: list[tuple[str, str]], *, title: str, now: datetime) -> str:
    """OPML 2.0 with one ``type="rss"`` outline per (name, url)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             f"    <title>{_text(title)}</title>",
             f"    <dateCreated>{format_datetime(now)}</dateCreated>", "  </head>", "  <body>"]
    for name, url in feeds:
        lines.append(f"    <outline type=\"rss\" text={quoteattr(name)} title={quoteattr(name)} "
                     f"xmlUrl={quoteattr(url)}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
