"""Block Kit rendering: limits, splitting, escaping, mention safety (checked by the fake's validator)."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.render import MAX_BLOCKS, escape, render
from bot.model import Claim, Figure, Link, Reply, Section
from tests.fakes.slack_fake import all_text, block_errors

HOSTILE = "Tom & Jerry <b>bold</b> <!channel> <!here> <!everyone> <@U123> <#C1> @here @channel"


def claim(i: int, text: str = "text") -> Claim:
    return Claim(id=f"c{i:04d}", claimant=f"Person {i}", text=text, kind="quote", cue="says",
                 hedged=i % 2 == 0, hedges=("maybe",) if i % 2 == 0 else (),
                 evidence="none_given", disputes=("c0001",) if i == 3 else (),
                 dispute_reasons=("<!here> („y“): figures differ",) if i == 3 else ())


def test_escape_entities_and_formatting_characters() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    # no escape exists for mrkdwn formatting: look-alikes that never pair as delimiters
    assert escape("*bold* _it_ `code` ~x~ \"q\" 'q'") == ("\u2217bold\u2217 \u02cdit\u02cd "
                                                          "\u02cbcode\u02cb \u223cx\u223c \"q\" 'q'")
    assert escape("> quoted\n  > again") == "\u203a quoted\n  \u203a again"
    assert escape("&amp;") == "&amp;amp;"


def test_no_broadcast_or_mention_can_come_from_content() -> None:
    reply = Reply(
        title=HOSTILE,
        sections=(Section(
            heading=HOSTILE, text=HOSTILE, bullets=(HOSTILE,),
            links=(Link(HOSTILE, "https://example.com/a?x=1&y=<2>|z"),
                   Link("ok", "https://example.com/a?x=1&y=2")),
            claims=(claim(3, HOSTILE),), figures=(Figure(HOSTILE, HOSTILE, HOSTILE),),
        ),),
        footer=HOSTILE,
    )
    (message,) = render(reply)
    payload = message.payload()
    assert block_errors(payload["blocks"]) == []
    everything = all_text(payload) + "\n" + payload["text"]
    for mention in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C1>", "<b>"):
        assert mention not in everything
    # the words themselves are not broadcast words any more (word joiner after @)
    assert "@here" not in everything and "@channel" not in everything
    mrkdwn = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert any("Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; &lt;!channel&gt;" in t for t in mrkdwn)
    # an unsafe URL is not turned into a link; a safe one is, with & escaped
    assert "<https://example.com/a?x=1&amp;y=2|ok>" in everything
    assert "y=<2>" not in everything
    # the plain_text header keeps the title readable
    assert payload["blocks"][0]["text"]["text"].startswith("Tom & Jerry")


def test_limits_header_section_and_block_count() -> None:
    long_title = "T" * 400
    long_bullet = ("word " * 1500).strip()  # 7499 characters
    reply = Reply(title=long_title, sections=tuple(
        Section(heading=f"Section {i}", bullets=(f"bullet {i}", long_bullet))
        for i in range(40)
    ))
    messages = render(reply)
    assert len(messages) > 1
    for m in messages:
        assert block_errors(m.blocks) == []
        assert len(m.blocks) <= MAX_BLOCKS
    # a title longer than a header holds is a section, shown whole
    assert messages[0].blocks[0]["text"]["text"] == f"*{long_title}*"
    # continuation messages say which part they are
    assert f"(2/{len(messages)})" in all_text(messages[1].payload())
    # nothing lost, nothing reordered: every section heading once, in order
    joined = "\n".join(all_text(m.payload()) for m in messages)
    positions = [joined.index(f"*Section {i}*") for i in range(40)]
    assert positions == sorted(positions)
    assert joined.count("word") == 40 * 1500


def test_a_long_run_without_spaces_is_not_cut_inside_an_entity() -> None:
    text = "&" * 5000  # 25,000 characters escaped: several sections and messages
    messages = render(Reply(title="x", sections=(Section(heading="h", text=text),)))
    pieces = []
    for message in messages:
        assert block_errors(message.blocks) == []
        pieces += [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert len(pieces) > 1
    for piece in pieces:
        body = piece.removeprefix("*h*\n")
        assert body.replace("&amp;", "") == ""
    assert sum(p.count("&amp;") for p in pieces) == 5000


def test_claim_rendering_shows_status_not_the_id() -> None:
    reply = Reply(title="Claims", sections=(Section(heading="1", claims=(claim(3, "x"),)),),
                  page=1, pages=2)
    text = all_text(render(reply, language="en")[0].payload())
    assert "*Person 3* — “x”" in text and "c0003" not in text and "says" not in text
    assert "no evidence given" in text
    assert "contradicts &lt;!here&gt;" in text and "<!here>" not in text
    assert "Page 1/2" in text


def test_link_date_and_error_marker() -> None:
    reply = Reply(title="Broken", is_error=True, sections=(Section(
        heading="Latest", links=(Link("A title", None, datetime(2025, 1, 28, tzinfo=UTC)),)),))
    (message,) = render(reply)
    assert message.blocks[0]["text"]["text"].startswith("⚠️")
    assert "→ 2025-01-28 A title" in all_text(message.payload())


def test_empty_reply_is_still_valid() -> None:
    (message,) = render(Reply(title=""))
    assert block_errors(message.blocks) == []


def test_bullets_that_fit_a_section_are_never_cut() -> None:
    bullets = tuple(f"{i:03d} " + "x" * 1100 for i in range(12))
    messages = render(Reply(title="t", sections=(Section(heading="h", bullets=bullets),)))
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    for bullet in bullets:
        assert sum(f"• {bullet}" in s for s in sections) == 1
    assert len(sections) == 6  # two 1100-character bullets per 3000-character section


def test_a_long_title_is_shown_whole() -> None:
    """A header holds 150 characters: a longer error (German ones are) is a section, not cut."""
    long = ("Dieser Überblick steht in der Konfigurationsdatei ([[digests]]) und lässt sich nicht "
            "im Chat abbestellen; bitte den Betreiber des Bots, ihn dort zu löschen und neu zu "
            "starten.")
    (message,) = render(Reply(title=long, is_error=True), language="de")
    first = message.blocks[0]
    assert first["type"] == "section" and first["text"]["text"].endswith("neu zu starten.*")
    (short,) = render(Reply(title="Abonnements"), language="de")
    assert short.blocks[0]["type"] == "header"
