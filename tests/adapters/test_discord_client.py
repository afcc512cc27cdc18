"""The real discord.py client against the fake Discord: login, sync, commands, deadlines, safety.

The router here is a small stand-in returning ``bot.model`` values, so each test controls the reply
(its size, its timing, its failure); ``test_discord_e2e.py`` uses the real core.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from adapters.discord.render import render
from bot.i18n import label
from bot.model import (
    Claim,
    CommandRequest,
    CommandSpec,
    Figure,
    Link,
    OptionSpec,
    OptionType,
    Reply,
    Section,
)
from tests.fakes.discord_fake import EPHEMERAL, GUILD_ID, TOKEN, running_bot

TIMEOUT = 10

SPECS = [
    CommandSpec("deepseek", "Briefing: DeepSeek"),
    CommandSpec("claims", "Who claims what", options=(
        OptionSpec("claimant", "Only claims by this person", autocomplete="claimant"),
        OptionSpec("status", "Only disputed claims", choices=("disputed", "no_evidence", "hedged")),
        OptionSpec("topic", "Limit to one topic", autocomplete="topic"),
        OptionSpec("page", "Page number", type=OptionType.INTEGER, min_value=1),
    )),
    CommandSpec("help", "What briefbot can do"),
    CommandSpec("subscribe", "Daily digest here (admins)", options=(
        OptionSpec("time", "Local time, HH:MM", required=True),
        OptionSpec("timezone", "IANA time zone"),
    ), admin_only=True),
]


def claim(i: int, claimant: str = "Altman") -> Claim:
    return Claim(id=f"c{i:04d}", claimant=claimant, text=f"Claim number {i} says something " * 3,
                 kind="quote", cue="sagt", hedged=False, hedges=(), evidence="none_given")


class StubRouter:
    language = "en"

    def __init__(self) -> None:
        self.requests: list[CommandRequest] = []
        self.replies: dict[str, Reply] = {}
        self.gate: asyncio.Event | None = None
        self.fail = False
        self.completions: list[tuple[str, str, str | None, str | None]] = []

    def commands(self, language: str | None = None) -> list[CommandSpec]:
        return list(SPECS)

    async def handle(self, request: CommandRequest) -> Reply:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("database exploded")
        if request.command == "subscribe" and not request.user.is_admin:
            return Reply(title="/subscribe is for admins only.", ephemeral=True, is_error=True)
        if request.command == "claims" and "page" in request.options:
            page = int(request.options["page"])
            return Reply(title=f"Claims page {page}", page=page, pages=3,
                         sections=(Section("Claims", claims=(claim(page),)),))
        return self.replies.get(request.command, Reply(title=f"{request.command} answer"))

    async def autocomplete(self, source: str, prefix: str, *, platform: str | None = None,
                           community: str | None = None) -> list[str]:
        self.completions.append((source, prefix, platform, community))
        names = ["Altman", "Andreessen", "Wang"]
        return [n for n in names if n.lower().startswith(prefix.lower())]


def text_of(payload: dict[str, Any]) -> str:
    parts = [payload.get("content") or ""]
    for e in payload.get("embeds") or []:
        parts += [e.get("title") or "", e.get("description") or "",
                  (e.get("footer") or {}).get("text") or ""]
    return "\n".join(parts)


async def next_event(interaction: Any) -> tuple[str, dict[str, Any]]:
    return await asyncio.wait_for(interaction.events.get(), TIMEOUT)


@pytest.fixture
def router() -> StubRouter:
    return StubRouter()


async def test_login_and_guild_sync(router: StubRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch) as (fake, runner):
        me = [r for r in fake.requests if r[1].endswith("/users/@me")]
        assert me, "the client never logged in"
        assert runner.client.user is not None and runner.client.user.name == "briefbot"
        identify = fake.identified.get_nowait()
        assert identify["token"] == TOKEN
        assert list(fake.commands) == [GUILD_ID]  # guild_id set: guild sync only, instant
        synced = {c["name"]: c for c in fake.commands[GUILD_ID]}
        assert set(synced) == {s.name for s in SPECS}
        options = {o["name"]: o for o in synced["claims"]["options"]}
        assert list(options) == ["claimant", "status", "topic", "page"]
        assert options["claimant"]["autocomplete"] is True
        assert options["topic"]["autocomplete"] is True
        assert [c["value"] for c in options["status"]["choices"]] == [
            "disputed", "no_evidence", "hedged"]
        assert options["page"]["type"] == 4 and options["page"]["min_value"] == 1
        assert not any(o["required"] for o in options.values())
        sub = synced["subscribe"]
        assert int(sub["default_member_permissions"]) == 1 << 5  # Manage Server
        assert sub.get("contexts") == [0] or sub.get("dm_permission") is False  # guilds only
        assert {o["name"]: o["required"] for o in sub["options"]} == {"time": True,
                                                                       "timezone": False}
        assert synced["claims"]["default_member_permissions"] is None
        assert all(len(c["description"]) <= 100 for c in synced.values())


async def test_global_sync_without_guild(router: StubRouter,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch, guild_id=None) as (fake, _):
        assert list(fake.commands) == ["global"]
        assert {c["name"] for c in fake.commands["global"]} == {s.name for s in SPECS}


async def test_command_round_trip(router: StubRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    router.replies["deepseek"] = Reply(
        title="Briefing: DeepSeek",
        sections=(Section("Key figures", figures=(Figure("5,6 Mio. Dollar", "training cost"),)),
                  Section("Latest", links=(Link("Article", "https://example.com/a"),))),
    )
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        interaction = await fake.send_command("deepseek")
        kind, body = await next_event(interaction)
        assert (kind, body["type"]) == ("callback", 4)  # answered at once, no defer
        text = text_of(body["data"])
        assert "Briefing: DeepSeek" in text and "**5,6 Mio. Dollar** — training cost" in text
        assert "[Article](https://example.com/a)" in text
        assert not body["data"].get("flags", 0) & EPHEMERAL
        assert body["data"]["allowed_mentions"] == {"parse": []}

        interaction = await fake.send_command("claims", {"claimant": "Altman",
                                                         "status": "disputed"})
        await next_event(interaction)
        request = router.requests[-1]
        assert request.command == "claims" and request.platform == "discord"
        assert request.options == {"claimant": "Altman", "status": "disputed"}
        assert request.channel is not None and request.user.id == "1600000000000000006"
        assert request.user.is_admin is False


async def test_autocomplete(router: StubRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch) as (fake, _):
        interaction = await fake.send_command("claims", {"claimant": "a"}, interaction_type=4,
                                              focused="claimant")
        kind, body = await next_event(interaction)
        assert (kind, body["type"]) == ("callback", 8)
        assert [c["value"] for c in body["data"]["choices"]] == ["Altman", "Andreessen"]
        # asked for the guild the interaction came from (names of what that guild reads)
        assert router.completions == [("claimant", "a", "discord", str(GUILD_ID))]
        assert router.requests == []


async def test_slow_answer_is_deferred_then_edited(router: StubRouter,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    router.gate = asyncio.Event()
    router.replies["deepseek"] = Reply(title="Slow briefing")
    async with running_bot(router, monkeypatch, defer_after=0.01) as (fake, _):
        interaction = await fake.send_command("deepseek")
        kind, body = await next_event(interaction)
        assert (kind, body["type"]) == ("callback", 5)  # "thinking..." before the answer exists
        router.gate.set()
        kind, body = await next_event(interaction)
        assert kind == "edit" and "Slow briefing" in text_of(body)


async def test_deferred_error_becomes_private(router: StubRouter,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    router.gate = asyncio.Event()
    async with running_bot(router, monkeypatch, defer_after=0.01) as (fake, _):
        interaction = await fake.send_command("subscribe", {"time": "08:00"})
        assert (await next_event(interaction))[1]["type"] == 5
        router.gate.set()
        assert (await next_event(interaction))[0] == "delete"
        kind, body = await next_event(interaction)
        assert kind == "followup" and body["flags"] & EPHEMERAL
        assert body["content"] == "/subscribe is for admins only." and not body.get("embeds")


@pytest.mark.parametrize("language", ["en", "de"])
async def test_failure_is_one_ephemeral_sentence(router: StubRouter,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture,
                                                 language: str) -> None:
    router.fail = True
    with caplog.at_level(logging.ERROR):
        async with running_bot(router, monkeypatch, defer_after=5,
                               language=language) as (fake, _):
            interaction = await fake.send_command("help")
            kind, body = await next_event(interaction)
    assert (kind, body["type"]) == ("callback", 4)
    assert body["data"]["flags"] & EPHEMERAL
    content = body["data"]["content"]
    assert "exploded" not in content and "Traceback" not in content and content.count(".") == 1
    assert content == label("answer_failed", language)  # in the configured [bot] language
    assert "database exploded" in caplog.text  # the traceback went to the log


async def test_subscribe_refused_to_non_admin(router: StubRouter,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        interaction = await fake.send_command("subscribe", {"time": "08:00"})
        _kind, body = await next_event(interaction)
        assert body["data"]["flags"] & EPHEMERAL and "admins only" in body["data"]["content"]
        assert router.requests[-1].user.is_admin is False
        interaction = await fake.send_command("subscribe", {"time": "08:00"}, admin=True)
        await next_event(interaction)
        assert router.requests[-1].user.is_admin is True  # Manage Server resolved as admin


async def test_long_reply_is_split(router: StubRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    title = " ".join(f"word{i}" for i in range(900))[:5000]
    reply = Reply(title=title, sections=(
        Section("Claims", claims=tuple(claim(i, f"Claimant {i}") for i in range(60))),))
    router.replies["deepseek"] = reply
    expected = len(render(reply))
    assert expected > 1
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        interaction = await fake.send_command("deepseek")
        bodies = [(await next_event(interaction)) for _ in range(expected)]
        assert [k for k, _ in bodies] == ["callback"] + ["followup"] * (expected - 1)
        assert fake.rejected == []
    payloads = [bodies[0][1]["data"]] + [b for _, b in bodies[1:]]
    text = "\n".join(text_of(p) for p in payloads)
    for i in range(60):
        assert f"**Claimant {i}**" in text
    assert " ".join(title.split()) in " ".join(text.split())  # the whole title, once cut
    assert all(len(e.get("title") or "") <= 256 for p in payloads for e in p["embeds"])


async def test_mentions_in_feed_text_ping_nobody(router: StubRouter,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    router.replies["deepseek"] = Reply(
        title="@everyone look", sections=(Section("@here", bullets=("<@123456789012345678> hi",
                                                                   "[click](https://evil.test)")),))
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        interaction = await fake.send_command("deepseek")
        _, body = await next_event(interaction)
    data = body["data"]
    assert data["allowed_mentions"] == {"parse": []}
    text = text_of(data)
    assert "@everyone" not in text and "@here" not in text and "<@1234" not in text
    assert "@\u200beveryone" in text
    assert "\\[click\\]\\(https\\://evil.test\\)" in text  # shown as text, not a masked link


async def test_gateway_reconnect_resumes(router: StubRouter,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        assert fake.connections == 1
        await fake.ask_reconnect()
        resume = await asyncio.wait_for(fake.resumed.get(), TIMEOUT)
        assert resume["session_id"] == fake.session_id and resume["token"] == TOKEN
        assert resume["seq"] >= 1
        assert fake.connections == 2
        interaction = await fake.send_command("help")  # still answering after the reconnect
        kind, body = await next_event(interaction)
        assert kind == "callback" and "help answer" in text_of(body["data"])


async def test_pages_turn_with_buttons(router: StubRouter,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot(router, monkeypatch, defer_after=5) as (fake, _):
        interaction = await fake.send_command("claims", {"page": 1, "claimant": "Altman"})
        _, body = await next_event(interaction)
        data = body["data"]
        assert "Page 1/3" in text_of(data)
        buttons = data["components"][0]["components"]
        assert [b.get("disabled", False) for b in buttons] == [True, False]
        press = await fake.press_button(buttons[1]["custom_id"], interaction.messages[0],
                                        interaction)
        kind, body = await next_event(press)
        assert (kind, body["type"]) == ("callback", 6)
        kind, body = await next_event(press)
        assert kind == "edit" and "Claims page 2" in text_of(body)
        assert router.requests[-1].options == {"page": 2, "claimant": "Altman"}
