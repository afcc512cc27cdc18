"""Turning a raw article (plain-text export or HTML) into clean body paragraphs.

The plain-text shape of scraped news (the seed's): first line the headline (when it is short enough to
be one: a longer first line is the first paragraph); a photo caption followed by a credit ("Foto:
REUTERS") glued to the first body sentence ("REUTERSBislang"); short lines without final punctuation
are subheadings; a trailing "Lesen Sie auch: ..." teaser. We drop captions, credits, subheadings and
teasers, and keep a map from every clean character to its original offset so that claim spans can
point into the file as it was read.
"""

from __future__ import annotations

import re

from bot.model import CleanText

_CREDIT = re.compile(
    r"^(?:Foto|Fotos|Bild|Bilder|Grafik|Photo|Photos|Image|Picture|Credit|Quelle|Source)\s*:\s*"
    r"(?P<credit>[A-ZÄÖÜ0-9/&.,\- ]+?|[a-z][a-z]+(?:/[A-Za-z]+)*|[A-Z][\w\-]*(?: [A-Z][\w\-]*)*)"
    r"(?=[A-ZÄÖÜ][a-zäöüß])"
)
_CREDIT_LINE = re.compile(
    r"^(?:Foto|Fotos|Bild|Bilder|Grafik|Photo|Photos|Image|Picture|Credit|Quelle|Source)\s*:\s*\S.{0,80}$"
)
_TEASER = re.compile(
    r"^(?:Lesen Sie auch|Lesen Sie mehr|Mehr zum Thema|Auch interessant|Das könnte Sie auch "
    r"interessieren|Weiterlesen|Read more|Read also|Related|See also|More on this|Also read)\b.*$",
    re.IGNORECASE,
)
_END_PUNCT = re.compile(r"[.!?:;\"“”»«'’)…]\s*$")

# The one title rule, shared by seeds, ``briefbot analyze`` and feeds: a line longer than this is
# not a headline but the article's first paragraph. News headlines stay well below it (the longest
# first line among 840 development articles had 141 characters).
HEADLINE_MAX = 150
# A headline made from body text (an untitled feed item, a title that is really a paragraph).
DERIVED_HEADLINE = 80


def is_headline(line: str) -> bool:
    """Short enough to be a headline (and not empty)."""
    return 0 < len(line.strip()) <= HEADLINE_MAX


def headline_from(text: str, limit: int = DERIVED_HEADLINE) -> str:
    """The first words of ``text``, at most ``limit`` characters, "…" when cut."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    head = words[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"


def clean_plain_text(raw: str, *, has_headline: bool = True) -> CleanText:
    """Clean a plain-text article. Offsets map each clean character to ``raw``."""
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        lines.append((pos, body))
        pos += len(line)

    dropped: list[str] = []
    title: str | None = None
    start = 0
    while start < len(lines) and not lines[start][1].strip():
        start += 1
    if has_headline and start < len(lines) and is_headline(lines[start][1]):
        title = lines[start][1].strip()
        start += 1

    kept: list[tuple[int, str]] = []  # (offset into raw, text)
    body_lines = lines[start:]
    for i, (line_offset, text) in enumerate(body_lines):
        stripped = text.strip()
        if not stripped:
            continue
        offset = line_offset + len(text) - len(text.lstrip())
        if _TEASER.match(stripped):
            dropped.append(stripped)
            continue
        credit = _CREDIT.match(stripped)
        if credit:
            dropped.append(stripped[: credit.end()])
            # a caption is the short line just before the credit line
            if kept and _looks_like_caption(kept[-1][1]):
                dropped.append(kept.pop()[1])
            rest = stripped[credit.end():]
            if rest:
                kept.append((offset + credit.end(), rest.rstrip()))
            continue
        if _CREDIT_LINE.match(stripped):
            dropped.append(stripped)
            if kept and _looks_like_caption(kept[-1][1]):
                dropped.append(kept.pop()[1])
            continue
        if _is_subheading(stripped, body_lines, i):
            dropped.append(stripped)
            continue
        kept.append((offset, stripped))

    text_parts: list[str] = []
    offsets: list[int] = []
    for index, (offset, para) in enumerate(kept):
        if index:
            # the separator maps to the start of the next paragraph
            text_parts.append("\n\n")
            offsets.extend([offset, offset])
        text_parts.append(para)
        offsets.extend(range(offset, offset + len(para)))
    return CleanText(title=title, text="".join(text_parts), offsets=tuple(offsets),
                     dropped=tuple(dropped))


def _looks_like_caption(line: str) -> bool:
    words = line.split()
    return len(line) <= 160 and len(words) <= 20


def _is_subheading(line: str, lines: list[tuple[int, str]], index: int) -> bool:
    """A short line without final punctuation, followed by body text."""
    if len(line) > 80 or len(line.split()) > 10 or _END_PUNCT.search(line):
        return False
    following = next((t.strip() for _, t in lines[index + 1:] if t.strip()), "")
    return bool(following)


def clean_html(html: bytes | str, *, url: str | None = None) -> CleanText:
    """Article body from HTML with trafilatura (never its downloader); offsets are the identity,
    since for HTML the extracted text is what spans point into."""
    import trafilatura  # noqa: PLC0415 - heavy library (about 1 s), loaded on first use

    extracted = trafilatura.bare_extraction(
        html, url=url, include_comments=False, include_tables=False, with_metadata=True,
        favor_precision=True,
    )
    if extracted is None:
        return CleanText(title=None, text="", offsets=())
    data = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    body = str(data.get("text") or "")
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    text = "\n\n".join(paragraphs)
    title = data.get("title")
    return CleanText(title=str(title) if title else None, text=text,
                     offsets=tuple(range(len(text))))


def looks_like_html(data: str) -> bool:
    head = data[:2000].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head or "<p>" in head
