"""Neutral ``Reply`` -> Discord messages (embeds), inside every Discord limit.

Feed text is untrusted: every piece of it is escaped here (Markdown, mentions, control characters),
so a feed title can neither format, link, nor ping. ``discord.utils.escape_markdown`` is not enough
for that: it leaves ``(``, ``)``, ``#``, ``-``, ``<`` and ``:`` alone, and a nested
``[[click](http://evil.example)`` became a masked link. Here every character Discord's markdown gives
a meaning to is backslash-escaped wherever it stands (a backslash before punctuation always shows the
character itself), so feed text is always plain text; the only links are the ones built here.

Long replies are split at line boundaries into several embeds and, past 10 embeds or 6000
characters, several messages; a single line too long for an embed is cut at a space, never inside
an escape sequence.

A scheduled digest also carries its idempotency key in the footer of every message ("briefbot ·
<key>", plus "· 2/3" when split), because Discord keeps no nonce with a stored message: the footer is
what the publisher finds in channel history after a crash.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

import discord
from discord.utils import escape_mentions

from bot.i18n import claim_quote, claim_tags, claim_who, label, phrase
from bot.model import Claim, Figure, Link, Reply, Section

# Discord's documented limits.
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048

# A single rendered line never exceeds this, so it always fits a fresh embed and message.
LINE_MAX = 1024

COLOR = 0x5865F2
ERROR_COLOR = 0xED4245

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

MARK = "briefbot"
SEPARATOR = " · "
_KEY_SAFE = re.compile(r"^[!-~]{1,64}$")  # printable ASCII without spaces: survives a footer intact
_MARKER = re.compile(
    rf"(?:^|{SEPARATOR}){MARK}{SEPARATOR}(?P<key>[!-~]{{1,64}})"
    rf"(?:{SEPARATOR}(?P<part>\d{{1,3}})/(?P<parts>\d{{1,3}}))?$"
)


@dataclass(frozen=True)
class Message:
    """One Discord message: ``content`` (errors only) or embeds."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()

    def size(self) -> int:
        return sum(len(e) for e in self.embeds)


# Markdown anywhere in a line: emphasis, code, spoilers, quotes, masked links, headings, mentions,
# timestamps and custom emoji (<...>); a colon that starts a URL's "//" or an emoji shortcode
# (":smile:"); a slash after a letter or digit (invite links such as discord.gg/...).
_MARKDOWN = re.compile(r"[\\*_~`|>\[\]()#<]|:(?=/|[\w+-]+:)|(?<=[^\W_])/")
# Markdown at the start of a line: list items ("- ", "+ ", "1. ") and small text ("-# "). Escaped
# after any whitespace too, because a long line is later split at spaces into several lines.
_LINE_START = re.compile(r"(?:(?<=\s)|^)(?:([-+])|(\d+)([.)]))")
# Text Discord refuses as the text of a masked link (it looks like a link itself).
_URLISH = re.compile(r"[a-z][a-z0-9+.-]*:/|discord(?:app)?\.(?:gg|com|new|gift|media)|dis\.gd", re.I)


def escape(text: str) -> str:
    """Plain feed text -> Discord Markdown that shows exactly that text and pings nobody."""
    text = _CONTROL.sub("", text)
    text = _MARKDOWN.sub(lambda m: "\\" + m[0], text)
    text = _LINE_START.sub(_escape_line_start, text)
    return escape_mentions(text)


def _escape_line_start(match: re.Match[str]) -> str:
    if match[1]:
        return "\\" + match[1]
    return f"{match[2]}\\{match[3]}"


def cut(text: str, limit: int) -> str:
    """Shorten already-escaped text to ``limit`` characters with an ellipsis.

    Never leaves a dangling backslash, which would escape the ellipsis instead of the cut character.
    """
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    trailing = len(head) - len(head.rstrip("\\"))
    if trailing % 2:
        head = head[:-1]
    return head + "…"


def _split_line(line: str, limit: int = LINE_MAX) -> list[str]:
    """Cut an over-long line into pieces of at most ``limit``, at spaces where possible."""
    pieces: list[str] = []
    while len(line) > limit:
        at = line.rfind(" ", limit // 2, limit)
        if at <= 0:
            at = limit
        head = line[:at]
        trailing = len(head) - len(head.rstrip("\\"))
        if trailing % 2:  # keep "\x" together
            at -= 1
            head = line[:at]
        pieces.append(head.rstrip())
        line = line[at:].lstrip(" ")
    if line:
        pieces.append(line)
    return pieces


def _safe_url(url: str | None) -> str | None:
    if not url or not re.match(r"^https?://", url):
        return None
    # Characters that would end or break a Markdown link are percent-encoded.
    return quote(_CONTROL.sub("", url), safe=":/?#[]@!$&'*+,;=%-._~")


def render_link(link: Link, language: str = "en") -> str:
    text = escape(link.title) or label("link", language)
    url = _safe_url(link.url)
    if url and len(url) < 512:
        # Discord shows a masked link whose text looks like a URL as raw markdown: such a title
        # goes before the bare link instead
        line = f"{text} — {url}" if _URLISH.search(link.title) else f"[{text}]({url})"
    else:
        line = text
    if link.published:
        line += f" · {link.published:%Y-%m-%d}"
    return f"→ {line}"


def render_figure(figure: Figure, language: str = "en") -> str:
    text = f"• **{escape(figure.value)}** — {escape(figure.measures)}"
    if figure.source:
        text += " · " + phrase("according_to", language, source=escape(figure.source))
    return text


def render_claim(claim: Claim, language: str) -> str:
    """``• **Who** — „what“ — *tag · tag*``: no ids, the quote cut to keep the line short."""
    name = claim_who(claim, language)
    who = f"**{escape(name)}**" if claim.claimant else f"*{escape(name)}*"
    tags = claim_tags(claim, language, escape)
    quote = claim_quote(claim, language, who=name, tags=tags)
    line = f"• {who} — {escape(quote)}" if quote else f"• {who}"
    return line + (f" — *{' · '.join(tags)}*" if tags else "")


def section_lines(section: Section, language: str) -> list[str]:
    lines = [f"**{escape(section.heading)}**"] if section.heading else []
    if section.text:
        lines.extend(escape(p) for p in section.text.split("\n") if p.strip())
    lines.extend(f"• {escape(b)}" for b in section.bullets)
    lines.extend(render_figure(f, language) for f in section.figures)
    lines.extend(render_claim(c, language) for c in section.claims)
    lines.extend(render_link(link, language) for link in section.links)
    return lines


def footer_text(reply: Reply, language: str) -> str | None:
    parts = []
    if reply.footer:
        parts.append(_CONTROL.sub("", reply.footer))
    if reply.page is not None and reply.pages is not None and reply.pages > 1:
        parts.append(f"{label('page', language)} {reply.page}/{reply.pages}")
    # Footers show plain text (no Markdown, no mentions), so they need no escaping.
    return cut(" · ".join(parts), FOOTER_MAX) if parts else None


@dataclass(frozen=True)
class Marker:
    """The idempotency mark read back from a footer; ``part`` counts from 0."""

    key: str
    part: int = 0
    parts: int = 1


def marker_key(idempotency_key: str) -> str:
    """The key as shown in footers: itself when short and plain, else a stable hash of it."""
    if _KEY_SAFE.match(idempotency_key):
        return idempotency_key
    return "h" + hashlib.blake2b(idempotency_key.encode(), digest_size=12).hexdigest()


def marker_text(idempotency_key: str, part: int, parts: int) -> str:
    text = f"{MARK}{SEPARATOR}{marker_key(idempotency_key)}"
    return text + (f"{SEPARATOR}{part + 1}/{parts}" if parts > 1 else "")


def read_marker(footer: str | None) -> Marker | None:
    """The mark at the end of ``footer``, if there is one."""
    match = _MARKER.search(footer or "")
    if match is None:
        return None
    if match["part"] is None:
        return Marker(match["key"])
    part, parts = int(match["part"]), int(match["parts"])
    if not 1 <= part <= parts:
        return None
    return Marker(match["key"], part - 1, parts)


def _with_marker(footer: str | None, marker: str) -> str:
    if not footer:
        return marker
    return cut(footer, FOOTER_MAX - len(SEPARATOR) - len(marker)) + SEPARATOR + marker


def render_error(reply: Reply) -> Message:
    """Errors are one short sentence as plain content, shown only to the user who asked."""
    return Message(content=cut(escape(reply.title), CONTENT_MAX))


def render(
    reply: Reply, *, language: str = "en", idempotency_key: str | None = None
) -> list[Message]:
    """The messages that together show ``reply``; every one within Discord's limits.

    With ``idempotency_key`` every message's last embed carries the key in its footer.
    """
    if reply.is_error:
        return [render_error(reply)]
    full_title = escape(reply.title)
    title = cut(full_title, TITLE_MAX)
    lines: list[str] = []
    if title != full_title:  # the whole title still reaches the reader, in the description
        lines.append(full_title)
    for section in reply.sections:
        if lines:
            lines.append("")
        lines.extend(section_lines(section, language))
    pieces = [piece for line in lines for piece in (_split_line(line) if line else [""])]
    footer = footer_text(reply, language)
    reserve = len(footer or "")
    if idempotency_key is not None:  # room for the widest mark ("· 999/999") in every message
        reserve = len(_with_marker(footer, marker_text(idempotency_key, 998, 999)))
    out = _messages(_pack(pieces, len(title), reserve), title)
    _set_footers(out, footer, idempotency_key)
    return out


def _pack(pieces: list[str], title_length: int, reserve: int) -> list[list[str]]:
    """Greedy packing: lines into descriptions, descriptions into messages."""
    messages: list[list[str]] = [[]]
    used = title_length + reserve
    for piece in pieces:
        current = messages[-1]
        if current and not piece and not current[-1]:
            continue
        add = len(piece) + 1
        if current and len(current[-1]) + add <= DESCRIPTION_MAX and used + add <= EMBED_TOTAL_MAX:
            current[-1] += "\n" + piece
            used += add
        elif len(current) < EMBEDS_PER_MESSAGE and used + len(piece) <= EMBED_TOTAL_MAX:
            if piece:  # a blank line never starts an embed
                current.append(piece)
                used += len(piece)
        else:
            messages.append([piece] if piece else [])
            used = len(piece) + reserve
    return [m for m in messages if any(m)] or [[]]


def _messages(packed: list[list[str]], title: str) -> list[Message]:
    out: list[Message] = []
    for i, descriptions in enumerate(packed):
        embeds = [
            discord.Embed(description=d.strip("\n") or None, color=COLOR) for d in descriptions
        ]
        if not embeds:
            embeds = [discord.Embed(color=COLOR)]
        if i == 0:
            embeds[0].title = title
        out.append(Message(content=None, embeds=tuple(embeds)))
    return out


def _set_footers(out: list[Message], footer: str | None, idempotency_key: str | None) -> None:
    if idempotency_key is not None:
        for i, message in enumerate(out):
            mark = marker_text(idempotency_key, i, len(out))
            text = _with_marker(footer if i == len(out) - 1 else None, mark)
            message.embeds[-1].set_footer(text=text)
    elif footer:
        out[-1].embeds[-1].set_footer(text=footer)
