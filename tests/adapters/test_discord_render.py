"""Rendering replies to Discord embeds: limits, splitting, escaping (no network)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from adapters.discord.render import (
    FOOTER_MAX,
    LINE_MAX,
    Marker,
    cut,
    escape,
    marker_text,
    read_marker,
    render,
)
from bot.model import Claim, Figure, Link, Reply, Section
from tests.fakes.discord_fake import check_message


def payload(reply: Reply, key: str | None = None) -> list[dict]:
    out: list[dict] = []
    for message in render(reply, idempotency_key=key):
        out.append({"content": message.content, "embeds": [e.to_dict() for e in message.embeds],
                    "allowed_mentions": {"parse": []}})
    return out


def all_text(reply: Reply) -> str:
    parts = []
    for p in payload(reply):
        parts.append(p["content"] or "")
        for e in p["embeds"]:
            parts += [e.get("title", ""), e.get("description", "")]
    return "\n".join(parts)


def claim(i: int, text: str = "") -> Claim:
    return Claim(id=f"id{i}", claimant=f"Claimant {i}", text=text or f"Claim text {i} " * 10,
                 kind="quote", cue="sagt", hedged=True, hedges=("wohl",), evidence="none_given",
                 disputes=("x",), dispute_reasons=("contradicted by Y",))


def test_escape_neutralizes_markdown_and_mentions() -> None:
    text = escape("**bold** _it_ @everyone @here <@123456789012345678> [x](https://e.vil) `c`")
    assert "\\*\\*bold\\*\\*" in text and "\\_it\\_" in text and "\\`c\\`" in text
    assert "@\u200beveryone" in text and "@\u200bhere" in text and "<@\u200b1234" in text
    assert "\\[x\\]\\(https\\://e.vil\\)" in text  # every bracket, parenthesis, URL colon
    assert escape("a\x1b[31mred\u202e") == "a\\[31mred"


def test_cut_keeps_escapes_whole() -> None:
    assert cut("abc", 5) == "abc"
    assert cut("ab\\*cd", 4) == "ab…"  # never "ab\\…"
    assert len(cut("x" * 300, 256)) == 256


def test_sixty_claims_split_into_valid_messages() -> None:
    reply = Reply(title="Claims", sections=(Section("All", claims=tuple(map(claim, range(60)))),))
    messages = payload(reply)
    assert len(messages) > 1
    for m in messages:
        assert check_message(m) == []
    text = all_text(reply)
    for i in range(60):  # every claim whole, in order, exactly once
        assert text.count(f"**Claimant {i}** —") == 1
    positions = [text.index(f"**Claimant {i}** —") for i in range(60)]
    assert positions == sorted(positions)
    assert payload(reply)[0]["embeds"][0]["title"] == "Claims"


def test_five_thousand_character_title() -> None:
    title = ("DeepSeek " * 600)[:5000]
    messages = payload(Reply(title=title, sections=(Section("S", bullets=("b",)),)))
    for m in messages:
        assert check_message(m) == []
    first = messages[0]["embeds"][0]
    assert len(first["title"]) == 256 and first["title"].endswith("…")
    assert " ".join(title.split()) in " ".join(all_text(Reply(title=title)).split())


def test_one_huge_line_is_cut_at_spaces() -> None:
    bullet = "word " * 3000
    messages = payload(Reply(title="t", sections=(Section("S", bullets=(bullet,)),)))
    for m in messages:
        assert check_message(m) == []
        for e in m["embeds"]:
            assert all(len(line) <= LINE_MAX for line in e.get("description", "").split("\n"))
            assert "wor\n" not in e.get("description", "")


def test_error_is_plain_content() -> None:
    (m,) = payload(Reply(title="unknown topic 'x' @everyone", is_error=True, ephemeral=True))
    assert m["embeds"] == [] and m["content"] == "unknown topic 'x' @\u200beveryone"


def test_sections_figures_links_and_footer() -> None:
    reply = Reply(
        title="Briefing", footer="2 sources", page=2, pages=3,
        sections=(
            Section("Key figures", figures=(Figure("67,2 Mrd. $", "VC in AI", source="Stanford"),)),
            Section("Links", links=(Link("A (b)", "https://x.test/a b)", datetime(2025, 1, 28,
                                                                              tzinfo=UTC)),
                                    Link("No url"), Link("js", "javascript:alert(1)"))),
        ),
    )
    (m,) = payload(reply)
    text = all_text(reply)
    assert "• **67,2 Mrd. $** — VC in AI · according to Stanford" in text
    assert "→ [A \\(b\\)](https://x.test/a%20b%29) · 2025-01-28" in text
    assert "→ No url" in text and "javascript:" not in text.replace("→ js", "")
    assert m["embeds"][-1]["footer"]["text"] == "2 sources · Page 2/3"


@pytest.mark.parametrize("seed", range(20))
def test_random_replies_always_fit(seed: int) -> None:
    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(["a", "**b**", "@everyone", "ccccccc", "_d_", "x" * 40])
                        for _ in range(n))

    sections = tuple(
        Section(words(rng.randint(1, 80)), bullets=tuple(words(rng.randint(1, 400))
                                                         for _ in range(rng.randint(0, 12))),
                claims=tuple(claim(i, words(rng.randint(1, 200))) for i in range(rng.randint(0, 8))))
        for _ in range(rng.randint(0, 8))
    )
    reply = Reply(title=words(rng.randint(1, 900)), sections=sections, footer=words(5))
    for m in payload(reply):
        assert check_message(m) == []
    keyed = payload(reply, key="bb" + "f" * 23)  # the key's footer in every message still fits
    assert all(check_message(m) == [] for m in keyed)
    marks = [read_marker(m["embeds"][-1]["footer"]["text"]) for m in keyed]
    assert marks == [Marker("bb" + "f" * 23, i, len(keyed)) for i in range(len(keyed))]


def test_key_marker_reads_back_and_ignores_lookalikes() -> None:
    long_key = "digest:discord:1300000000000000003:2025-01-28T08:00+01:00 deepseek"
    for key in ("bb0123456789abcdef0123456", long_key):
        shown = read_marker(marker_text(key, 0, 1))
        assert shown is not None and shown == read_marker(f"Window · {marker_text(key, 0, 1)}")
        assert (shown.key == key) is (key != long_key)  # odd keys are shown as a stable hash
        assert read_marker(marker_text(key, 2, 3)) == Marker(shown.key, 2, 3)
    for junk in (None, "", "briefbot", "briefbot · ", "notbriefbot · bb1", "briefbot · bb1 · 4/3",
                 "briefbot · bb1 · 0/3", "briefbot · bb1 and more"):
        assert read_marker(junk) is None, junk
    (m,) = payload(Reply(title="t", footer="x" * 5000), key="bbk")
    footer = m["embeds"][-1]["footer"]["text"]
    assert len(footer) <= FOOTER_MAX and footer.endswith(" · briefbot · bbk")


def test_a_link_without_title_is_named_in_the_bot_language() -> None:
    reply = Reply(title="t", sections=(Section("s", links=(Link("", "https://x.test/a"),)),))
    texts = {lang: "".join(e.description or "" for m in render(reply, language=lang)
                           for e in m.embeds) for lang in ("en", "de")}
    assert "→ [link](https://x.test/a)" in texts["en"]
    assert "→ [Link](https://x.test/a)" in texts["de"]
