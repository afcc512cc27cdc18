"""Neutral ``Reply`` -> Block Kit messages, within Slack's limits, safe against feed content.

Feed text is untrusted. In mrkdwn ``&``, ``<`` and ``>`` are special, and every Slack mention
(``<!channel>``, ``<!here>``, ``<@U…>``) needs a literal ``<``, so escaping those three makes content
unable to link or mention; bare ``@here`` words get an invisible word joiner as well, in case a
future change turns on ``link_names``. Formatting (``*bold*``, ``_italic_``, ``~strike~``, `` `code` ``,
a leading ``>`` quote) has no escape in mrkdwn (a backslash shows as written), so those characters of
feed text are replaced by look-alikes that are never delimiters (∗ ˍ ∼ ˋ ›): the reader sees the
same text and nothing in it can format. Header blocks are plain_text, where markup is not parsed;
they get the word joiner after ``<`` for the same belt-and-braces reason.

Slack rejects a whole message when one limit is broken (``invalid_blocks``), so every block is built
to fit: 50 blocks per message, 3000 characters of section text, 150 of header text. Longer replies
become several messages, each starting with a marker saying which part it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.i18n import claim_quote, claim_tags, claim_who, label, phrase
from bot.model import Claim, Figure, Link, Reply, Section

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_FALLBACK = 300  # the notification text; the blocks carry the content
MESSAGE_CHARS = 12_000  # keep each message readable, far below Slack's 40k
WORD_JOINER = "\u2060"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SAFE_URL = re.compile(r"^https?://[^\s<>|]+$")
# mrkdwn's formatting characters and the look-alike each becomes in feed text
LOOK_ALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_QUOTE_START = re.compile(r"^(\s*)>", re.MULTILINE)

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One Slack message: fallback ``text`` (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def escape(text: str) -> str:
    """mrkdwn-escape untrusted text: no link, mention or formatting survives; broadcast words are
    defused."""
    text = _QUOTE_START.sub("\\1\u203a", _CONTROL.sub("", text).translate(LOOK_ALIKES))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)


def plain(text: str, limit: int) -> str:
    """Text for a plain_text object: no markup is parsed there, but defuse it anyway."""
    text = _CONTROL.sub("", text).replace("\n", " ").strip()
    text = text.replace("<", "<" + WORD_JOINER)
    text = _BROADCAST.sub(lambda m: "@" + WORD_JOINER + m.group(1), text)
    return truncate(text, limit) or "…"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def link(item: Link, language: str = "en") -> str:
    title = escape(truncate(item.title.strip() or item.url or label("link", language), 300))
    date = f"{item.published:%Y-%m-%d} " if item.published else ""
    url = (item.url or "").strip()
    if url and _SAFE_URL.match(url) and len(url) <= 2000:
        return f"{date}<{url.replace('&', '&amp;')}|{title}>"
    return date + title


def claim_line(claim: Claim, language: str) -> str:
    """``*Who* — „what“ _tag · tag_``: no ids, the quote cut to keep the line short."""
    name = claim_who(claim, language)
    tags = claim_tags(claim, language, escape)
    quote = claim_quote(claim, language, who=name, tags=tags)
    line = f"*{escape(name)}* — {escape(quote)}" if quote else f"*{escape(name)}*"
    if tags:
        line += f" _{' · '.join(tags)}_"
    if len(claim.sources) == 1 and claim.sources[0].url:
        line += f" — {link(claim.sources[0], language)}"
    return line


def figure_line(figure: Figure, language: str = "en") -> str:
    text = f"*{escape(figure.value)}* — {escape(figure.measures)}"
    if figure.source:
        text += " · " + phrase("according_to", language, source=escape(figure.source))
    return text


def section_lines(section: Section, language: str) -> list[str]:
    lines: list[str] = []
    if section.text:
        lines.append(escape(section.text))
    lines += [f"• {escape(b)}" for b in section.bullets]
    lines += [f"• {figure_line(f, language)}" for f in section.figures]
    lines += [f"• {claim_line(c, language)}" for c in section.claims]
    lines += [f"→ {link(item, language)}" for item in section.links]
    return lines


def _split_once(text: str, limit: int) -> tuple[str, str]:
    """Cut at most ``limit`` characters off ``text``, at whitespace, never inside an entity."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
        amp = text.rfind("&", max(0, cut - 6), cut)
        if amp != -1 and ";" not in text[amp:cut]:
            cut = amp
    return text[:cut].rstrip(), text[cut:].lstrip()


def _chunks(text: str, limit: int) -> list[str]:
    pieces = []
    while text:
        piece, text = _split_once(text, limit)
        pieces.append(piece)
    return pieces


def _mrkdwn_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def content_blocks(reply: Reply, language: str) -> list[Block]:
    """All blocks after the header, each within its own limits, packing lines into sections."""
    blocks: list[Block] = []
    for section in reply.sections:
        current = f"*{escape(truncate(section.heading, 500))}*" if section.heading else ""
        for line in section_lines(section, language):
            rest = line
            while rest:
                room = MAX_SECTION - (len(current) + 1 if current else 0)
                if current and len(rest) > room and (
                    len(rest) <= MAX_SECTION or room < MAX_SECTION // 4
                ):
                    blocks.append(_mrkdwn_section(current))  # a line that fits stays whole
                    current, room = "", MAX_SECTION
                piece, rest = _split_once(rest, room)
                current = f"{current}\n{piece}" if current else piece
                if rest:
                    blocks.append(_mrkdwn_section(current))
                    current = ""
        if current:
            blocks.append(_mrkdwn_section(current))
    footer = []
    if reply.page is not None and reply.pages is not None and reply.pages > 1:
        footer.append(f"{label('page', language)} {reply.page}/{reply.pages}")
    if reply.footer:
        footer.append(escape(reply.footer))
    if footer:
        for piece in _chunks(" · ".join(footer), MAX_SECTION):
            blocks.append(_context(piece))
    return blocks


def _title_block(title: str) -> Block:
    """A header holds 150 characters; a longer title (an error that says what to do, longer in
    German) becomes a bold section instead, so its end is never cut away."""
    if len(plain(title, 10**6)) <= MAX_HEADER:
        return {"type": "header", "text": {"type": "plain_text", "text": plain(title, MAX_HEADER),
                                           "emoji": True}}
    return {"type": "section", "text": {"type": "mrkdwn",
                                        "text": f"*{escape(truncate(title, MAX_SECTION - 2))}*"}}


def render(reply: Reply, *, language: str = "en") -> list[Message]:
    """The reply as one or more messages, in order."""
    title = ("⚠️ " if reply.is_error else "") + reply.title
    header = _title_block(title)
    body = content_blocks(reply, language)
    groups: list[list[Block]] = [[]]
    size = 0
    room = MAX_BLOCKS - 1  # the header or the continuation marker
    for block in body:
        length = _block_chars(block)
        if groups[-1] and (len(groups[-1]) >= room or size + length > MESSAGE_CHARS):
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += length
    total = len(groups)
    messages = []
    fallback = escape(truncate(title, MAX_FALLBACK))
    for i, group in enumerate(groups, start=1):
        if i == 1:
            first: Block = header
        else:
            first = _context(f"_{escape(truncate(reply.title, 200))} ({i}/{total})_")
        text = fallback if total == 1 else f"{fallback} ({i}/{total})"
        messages.append(Message(text=text, blocks=[first, *group]))
    return messages


def _block_chars(block: Block) -> int:
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(el.get("text", "")) for el in block.get("elements", []))
