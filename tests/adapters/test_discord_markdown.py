"""Feed text on Discord is always plain text: checked with a parser of Discord's markdown, not by
comparing strings (issue 14, case 2).

The parser is ``discord-markdown-py`` (a dev dependency): it builds an AST by Discord's own rules,
masked links, mentions, timestamps, headings, ``-#`` small text, lists, spoilers, emoji shortcodes
and Discord's refusal of masked links whose text looks like a URL included. It reproduces the bug
(``[[click](http://evil.example)`` after ``escape_markdown`` parses as a link with chosen text),
which is what makes it a fair judge of the fix.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import discord_markdown
import pytest

from adapters.discord.render import escape, render
from bot.app import App
from bot.ingest import RawArticle
from bot.model import Claim, Figure, Link, Reply, Section

HOSTILE = (
    "[click](http://evil.example)",
    "[[click](http://evil.example)",
    "[a](http://e) [b](http://evil.example)",
    "Nvidia shares fall click](http://evil.example) … [",
    "[x]( http://evil.example )",
    "<http://evil.example> and http://evil.example/path and discord.gg/abc",
    "<@123456789012345678> <@&123456789012345678> <#123456789012345678> </help:12345>",
    "@everyone @here <t:1700000000:R> <:pepe:123456789012345678> :smile:",
    "# Heading\n## Sub\n-# small\n- item\n+ item\n* item\n1. one\n2) two",
    "> quote\n>>> block quote",
    "**bold** __underline__ *it* _it_ ~~strike~~ ||spoiler|| `code` ```block```",
    "back\\slash \\[escaped\\](http://evil.example) trailing\\",
    "a\\\\[b](http://evil.example)",
    "ends with a backslash \\",
    "Preis: 5.6 Mio. $ (laut Bericht) | 10:30 Uhr / 2025-01-28 - KI-Wettlauf",
)
PLAIN = ("paragraph", "text", "empty")


def parse(markdown: str) -> list[dict[str, Any]]:
    return list(discord_markdown.parse(markdown))


def walk(nodes: Any) -> Iterator[dict[str, Any]]:
    """Every node of the AST, depth first."""
    if isinstance(nodes, list):
        for node in nodes:
            yield from walk(node)
    elif isinstance(nodes, dict):
        if "type" in nodes:
            yield nodes
        for value in nodes.values():
            if isinstance(value, (list, dict)):
                yield from walk(value)


def shown_text(nodes: list[dict[str, Any]]) -> str:
    return "".join(n["value"] for n in walk(nodes) if n["type"] == "text").replace("\u200b", "")


def links(markdown: str) -> list[tuple[str | None, str]]:
    """(shown text or None for a bare link, url) of every link Discord would make."""
    found = []
    for node in walk(parse(markdown)):
        if node["type"] == "link":
            text = node["value"]["text"]
            found.append((shown_text(text) if text else None, node["value"]["url"]))
    return found


def test_parser_sees_the_old_bug() -> None:
    """Guard: the parser is a fair judge (discord.py's escape_markdown let this through)."""
    from discord.utils import escape_markdown

    assert links(escape_markdown("[[click](http://evil.example)")) == [
        ("click", "http://evil.example/")]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_feed_text_is_plain_text(text: str) -> None:
    tree = parse(escape(text))
    kinds = {n["type"] for n in walk(tree)}
    assert kinds <= set(PLAIN), (text, kinds)
    assert shown_text(tree) == text.replace("\n", "")


def test_random_markdown_soup_stays_plain() -> None:
    pieces = [
        *"\\*_~`|>[]()#<:/-+.!@ \n1aZ", "http://", "https://evil.example", "discord.gg/", "everyone",
        "here", "t:1:R", "-# ", "```", "||", "1. ", "\n- ", "](", ")[", "<@1234>", ":smile:", "www.", "\n> "]
    rng = random.Random(14)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        tree = parse(escape(text))
        kinds = {n["type"] for n in walk(tree)}
        assert kinds <= set(PLAIN), (text, kinds)
        assert shown_text(tree) == text.replace("\n", ""), text


def hostile_reply() -> Reply:
    """Every field of a reply that carries feed text, each holding a hostile string."""
    when = datetime(2025, 1, 28, tzinfo=UTC)
    claims = tuple(
        Claim(id=f"c{i}", claimant=text, text=text, kind="quote", cue=text, hedged=True,
              hedges=(text,), evidence="none_given", disputes=("x",), dispute_reasons=(text,),
              sources=(Link(text, "https://news.example/a"),))
        for i, text in enumerate(HOSTILE[:4]))
    section = Section(
        heading=HOSTILE[0], text=HOSTILE[8], bullets=HOSTILE,
        figures=tuple(Figure(value=t, measures=t, source=t) for t in HOSTILE[:3]),
        claims=claims,
        links=tuple(Link(title=t, url=f"https://news.example/{i}", published=when)
                    for i, t in enumerate(HOSTILE)),
    )
    return Reply(title=HOSTILE[1], sections=(section,), footer=HOSTILE[2])


def rendered_descriptions(reply: Reply) -> list[str]:
    out = []
    for message in render(reply):
        assert message.content is None
        for embed in message.embeds:
            out += [embed.title or "", embed.description or ""]
    return out


def test_only_the_bots_own_links_in_a_hostile_reply() -> None:
    reply = hostile_reply()
    found = [link for d in rendered_descriptions(reply) for link in links(d)]
    built = {f"https://news.example/{i}" for i in range(len(HOSTILE))}
    assert {url for _, url in found} == built
    shown = {text for text, _ in found}
    # a masked link shows the feed title verbatim; a title that looks like a URL is never the
    # text of a masked link (Discord refuses those) but stands before a bare link
    assert shown - {None} <= set(HOSTILE)
    assert not any("http" in (text or "") for text in shown)
    kinds = {n["type"] for d in rendered_descriptions(reply) for n in walk(parse(d))}
    # the bot's own formatting only: bold headings and values, italic labels, code claim ids
    assert kinds <= {*PLAIN, "link", "bold", "italic", "code"}, kinds


def test_every_hostile_string_is_shown_verbatim() -> None:
    text = "".join(shown_text(parse(d)) for d in rendered_descriptions(hostile_reply()))
    for hostile in HOSTILE:
        for line in hostile.split("\n"):
            assert line in text, line


async def test_digest_briefing_and_claims_from_a_hostile_feed(seeded_app: App) -> None:
    """The real answer path: hostile items stored as a feed's, then the digest, the topic
    briefing and /claims rendered for Discord and parsed."""
    app = seeded_app
    source = await app.storage.sources.ensure("feed", "https://hostile.example/feed", "Hostile",
                                              app.clock.now())
    for n, title in enumerate(HOSTILE[:5]):
        body = (f"„DeepSeek {title} ist billiger“, sagte der Analyst {title}. Nvidia verlor "
                f"600 Milliarden Dollar an Börsenwert, berichtete Reuters am Montag. {title}")
        await app.ingest.ingest_article(source, RawArticle(
            key=f"hostile:{n}", title=f"DeepSeek {title}", text=body,
            url=f"https://hostile.example/{n}", language="de"))
    replies = [await app.answers.digest(topic=None), await app.answers.topic_briefing("deepseek"),
               await app.answers.claims(claimant=None, status=None, topic=None, page=1)]
    for reply in replies:
        for description in rendered_descriptions(reply):
            for shown, url in links(description):
                assert "evil.example" not in url, (reply.title, description)
                assert shown is None or "evil" not in shown or "](" in shown, description
            kinds = {n["type"] for n in walk(parse(description))}
            assert kinds <= {*PLAIN, "link", "bold", "italic", "code"}, (kinds, description)
