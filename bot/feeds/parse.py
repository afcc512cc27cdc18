"""Feed bytes to plain entries: feedparser for RSS 0.9x/1.0/2.0 and Atom, json for JSON Feed.

feedparser is only ever given the bytes we fetched (a string may make it open a file or a URL), and
always inside try/except: it raises on some malformed input instead of setting ``bozo``. Every text
field that leaves this module is plain text (tags removed, entities decoded): feed text is data.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from bot.errors import FeedError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                    "blockquote", "tr", "table", "section", "article", "pre", "figure", "hr"})
_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})


@dataclass(frozen=True)
class ParsedEntry:
    position: int  # index in the feed as served (feeds list newest first, usually)
    title: str
    guid: str | None = None
    link: str | None = None
    published: datetime | None = None
    summary: str = ""  # plain text of the feed's description / summary
    content: str = ""  # plain text of the feed's full content, when it carries one


@dataclass(frozen=True)
class ParsedFeed:
    kind: str  # feedparser's version ("rss20", "atom10", ...), "json", or "" when not a feed
    title: str
    link: str | None
    entries: tuple[ParsedEntry, ...]
    warning: str | None = None
    looks_like_html: bool = False

    @property
    def is_feed(self) -> bool:
        return bool(self.kind) or bool(self.entries)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs separated by a blank line."""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    extractor = _TextExtractor()
    try:
        extractor.feed(fragment)
        extractor.close()
    except (AssertionError, ValueError):  # HTMLParser on pathological input
        return clean_text(re.sub(r"<[^>]*>", " ", fragment))
    return clean_text("".join(extractor.parts))


def clean_text(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        line = re.sub(r"[ \t\f\v]+", " ", block).strip()
        line = re.sub(r" ?\n ?", "\n", line)
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", html_to_text(text)).strip()


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> ParsedFeed:
    """Parse fetched bytes. Raises FeedError when nothing usable comes out of them."""
    if not body.strip():
        raise FeedError("the server sent an empty body", url=url, code="empty_body")
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "").lower()
    if "json" in content_type or body.lstrip()[:1] == b"{":
        parsed = _parse_json_feed(body)
        if parsed is not None:
            return parsed
    lowered["content-location"] = url
    try:
        result = _feedparser(body, lowered)
    except Exception:  # feedparser raises ValueError, UnicodeError... on some inputs
        try:  # the usual culprit: a character reference to no character (&#99999999;, &#xD800;)
            result = _feedparser(_CHARREF.sub(_fix_charref, body), lowered)
        except Exception as e:
            raise FeedError(f"the feed could not be parsed ({type(e).__name__})", url=url,
                            code="unparsable") from e
        result["bozo"] = 1
        result["bozo_exception"] = ValueError("invalid character reference replaced")
    feed = result.get("feed", {})
    entries = tuple(_entry(i, e) for i, e in enumerate(result.get("entries", [])))
    warning = None
    problem = result.get("bozo_exception")
    if result.get("bozo") and type(problem).__name__ != "NonXMLContentType":  # a label, not damage
        reason = _short(problem) if problem is not None else "malformed"
        kind = type(problem).__name__ if problem is not None else ""
        if "CharacterEncoding" in kind:
            warning = f"encoding problem ({reason})"
        else:
            warning = f"malformed feed ({reason})"
        if entries:
            warning += f"; {len(entries)} items recovered"
    head = body[:2048].lower()
    html = b"<html" in head or b"<!doctype html" in head
    return ParsedFeed(
        kind=str(result.get("version") or ""),
        title=one_line(str(feed.get("title", ""))),
        link=feed.get("link") or None,
        entries=entries,
        warning=warning,
        looks_like_html=html and not result.get("version"),
    )


_CHARREF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")


def _fix_charref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    try:
        value = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
    except ValueError:
        return b"&#xFFFD;"
    valid = 0 < value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF
    return match.group(0) if valid else b"&#xFFFD;"


def _feedparser(body: bytes, headers: dict[str, str]) -> Any:
    import feedparser  # noqa: PLC0415 - heavy library, loaded on first use

    return feedparser.parse(io.BytesIO(body), response_headers=headers)


def _short(problem: object) -> str:
    text = str(getattr(problem, "getMessage", lambda: problem)())
    return re.sub(r"\s+", " ", text)[:120] or type(problem).__name__


def _entry(position: int, e: Any) -> ParsedEntry:
    contents = [c.get("value", "") for c in e.get("content", []) or [] if c.get("value")]
    content = max((html_to_text(c) for c in contents), key=len, default="")
    summary = html_to_text(str(e.get("summary", "") or ""))
    when = e.get("published_parsed") or e.get("updated_parsed")
    return ParsedEntry(
        position=position,
        title=one_line(str(e.get("title", "") or "")),
        guid=str(e["id"]).strip() if e.get("id") else None,
        link=str(e["link"]).strip() if e.get("link") else None,
        published=_struct_time(when),
        summary=summary,
        content=content,
    )


def _struct_time(value: time.struct_time | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _parse_json_feed(body: bytes) -> ParsedFeed | None:
    """JSON Feed 1.x, or None when the bytes are not one (then feedparser gets its turn)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        return None
    entries = []
    items = data.get("items")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        html = item.get("content_html")
        text = str(item.get("content_text") or "")
        content = html_to_text(str(html)) if html else clean_text(text)
        summary = html_to_text(str(item.get("summary") or ""))
        entries.append(ParsedEntry(
            position=i,
            title=one_line(str(item.get("title") or "")),
            guid=str(item["id"]) if item.get("id") not in (None, "") else None,
            link=str(item.get("url") or "") or None,
            published=_iso(item.get("date_published") or item.get("date_modified")),
            summary=summary,
            content=content,
        ))
    return ParsedFeed(kind="json", title=one_line(str(data.get("title") or "")),
                      link=str(data.get("home_page_url") or "") or None, entries=tuple(entries))


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
