"""The console adapter: the same commands in a terminal, with no tokens at all.

Feed text is untrusted: control characters (terminal escape sequences) are removed before printing.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

from bot.commands import CommandRouter
from bot.errors import CommandError
from bot.i18n import claim_quote, claim_tags, claim_who, label, phrase
from bot.model import Claim, Figure, Link, Reply, User

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Remove terminal escape sequences and control characters (feed text is untrusted)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


class Style:
    def __init__(self, rich: bool) -> None:
        self.rich = rich

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.rich else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.rich else text

    def red(self, text: str) -> str:
        return f"\x1b[31m{text}\x1b[0m" if self.rich else text


def render_claim(claim: Claim, language: str) -> str:
    """``Who — „what“ (tag · tag)``: no ids, the quote cut to keep the line short."""
    who = sanitize(claim_who(claim, language))
    tags = claim_tags(claim, language, sanitize)
    quote = sanitize(claim_quote(claim, language, who=who, tags=tags))
    line = f"{who} — {quote}" if quote else who
    return line + (f" ({' · '.join(tags)})" if tags else "")


def render_figure(figure: Figure, language: str = "en") -> str:
    text = f"{sanitize(figure.value)} — {sanitize(figure.measures)}"
    if figure.source:
        text += " · " + phrase("according_to", language, source=sanitize(figure.source))
    return text


def render_link(link: Link) -> str:
    text = sanitize(link.title)
    if link.published:
        text = f"{link.published:%Y-%m-%d} {text}"
    return text + (f" <{sanitize(link.url)}>" if link.url else "")


def render_reply(reply: Reply, *, language: str = "en", rich: bool = False) -> str:
    style = Style(rich)
    lines = []
    title = sanitize(reply.title)
    lines.append(style.red(title) if reply.is_error else style.bold(title))
    lines.append(("=" if not rich else "─") * min(max(len(title), 3), 78))
    for section in reply.sections:
        lines.append("")
        if section.heading:
            lines.append(style.bold(sanitize(section.heading)))
        if section.text:
            lines.append(f"  {sanitize(section.text)}")
        lines.extend(f"  • {sanitize(b)}" for b in section.bullets)
        lines.extend(f"  • {render_figure(f, language)}" for f in section.figures)
        lines.extend(f"  • {render_claim(c, language)}" for c in section.claims)
        lines.extend(f"  → {render_link(link)}" for link in section.links)
    footer = [sanitize(reply.footer)] if reply.footer else []
    if reply.page is not None and reply.pages is not None and reply.pages > 1:
        footer.append(f"{label('page', language)} {reply.page}/{reply.pages}")
    if footer:
        lines.append("")
        lines.append(style.dim(" · ".join(footer)))
    return "\n".join(lines) + "\n"


async def run_console(
    router: CommandRouter,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    first: Reply | None = None,
    rich: bool | None = None,
) -> int:
    """Print ``first`` (the current digest), then answer one command per input line until EOF."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if rich is None:
        rich = stdout.isatty()
    interactive = stdin.isatty()
    language = router.language
    user = User(id="console", name="console", is_admin=True)

    def emit(reply: Reply) -> None:
        stdout.write(render_reply(reply, language=language, rich=rich) + "\n")
        stdout.flush()

    if first is not None:
        emit(first)
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        # read in a thread: scheduled digests and feed polling go on while we wait for input
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("exit", "quit", "/exit", "/quit"):
            break
        if not line.startswith("/"):
            line = "/" + line
        try:
            request = router.parse_text(line, user=user, platform="console", channel="console")
        except CommandError as e:
            emit(Reply(title=str(e), is_error=True))
            continue
        emit(await router.handle(request))
    return 0
