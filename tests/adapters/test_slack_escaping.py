"""The Discord masked-link inputs (issue 14, case 2) through Slack's escaping.

In mrkdwn every link, mention, channel reference and date is a ``<...>`` sequence; nothing else
links or pings. So feed text is inert when no ``<`` survives escaping and every ``&`` is escaped
(an entity in feed text cannot turn back into a ``<``). Markdown-style ``[text](url)`` is not
link syntax in mrkdwn at all: it shows as written (Slack may still auto-link the bare URL inside,
showing the URL itself, which is not a masked link).
"""

from __future__ import annotations

import html
import re

import pytest

from adapters.slack.render import LOOK_ALIKES, escape, link, render
from bot.model import Link, Reply, Section
from tests.adapters.test_discord_markdown import HOSTILE, hostile_reply

SLACK_HOSTILE = (
    *HOSTILE,
    "<http://evil.example|click>", "<!channel> <!here> <!everyone> <@U123> <#C123|general>",
    "<!date^1392734382^{date}|x>", "&lt;!channel&gt; &amp;lt;", "<mailto:a@evil.example|mail>",
)
ANGLE = re.compile(r"<[^<>]*>")


@pytest.mark.parametrize("text", SLACK_HOSTILE)
def test_escaped_text_has_no_slack_control_sequence(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"&(?!amp;|lt;|gt;)", escaped)  # every & is the start of our entity
    # what a reader sees once Slack decodes the three entities is the text itself
    assert not re.search(r"[*_~`]", escaped)  # nothing can bold, italicise, strike or code
    # what a reader sees once Slack decodes the three entities is the text, formatting characters
    # shown as their look-alikes
    assert _as_written(html.unescape(escaped)) == _as_written(text)


def _as_written(text: str) -> str:
    back = {ord(v): k for k, v in LOOK_ALIKES.items()}
    return re.sub(r"^(\s*)\u203a", r"\1>", text.replace("\u2060", "").translate(back),
                  flags=re.MULTILINE)


def test_hostile_reply_links_only_the_bots_own() -> None:
    texts = []
    for message in render(hostile_reply()):
        for block in message.blocks:
            if "text" in block:
                texts.append(block["text"]["text"])
            texts += [e.get("text", "") for e in block.get("elements", [])]
    targets = {m.group(0)[1:-1].split("|", 1)[0] for t in texts for m in ANGLE.finditer(t)}
    assert targets <= {f"https://news.example/{i}" for i in range(len(HOSTILE))} | {
        "https://news.example/a"}
    assert targets, "the bot's own links are there"


def test_link_title_cannot_close_the_link() -> None:
    made = link(Link("a|b> <http://evil.example|x", "https://news.example/1"))
    assert made.count("<") == 1 and made.count(">") == 1
    assert made.startswith("<https://news.example/1|")
    assert render(Reply("t", (Section("h", links=(Link("x", "javascript:alert(1)"),)),)))
