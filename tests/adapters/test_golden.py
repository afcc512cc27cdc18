"""Golden files: the seed's digest, topic briefing and /claims as each platform shows them, in
both languages (tests/data/golden/<platform>/<command>.<language>.<ext>). Read them as a user
would; after an intended change, write them again with ``BRIEFBOT_GOLDEN=write`` and read the
diff. A second test checks that no label word of the other language leaks into a reply."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import pytest

from adapters.console import render_reply
from adapters.discord.render import render as discord_render
from adapters.slack.render import render as slack_render
from bot.app import App
from bot.i18n import LABELS
from bot.model import CommandRequest, Reply, User

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
COMMANDS = {"digest": ("digest", {}), "briefing": ("deepseek", {}), "claims": ("claims", {})}
LANGUAGES = ("de", "en")


async def seed_reply(app: App, command: str, language: str) -> Reply:
    name, options = COMMANDS[command]
    await app.answers.set_language("console", language, language)
    return await app.router.handle(CommandRequest(name, options, platform="console",
                                                  community=language))


def rendered(platform: str, reply: Reply, language: str) -> str:
    if platform == "console":
        return render_reply(reply, language=language)
    if platform == "discord":
        messages = [{"content": m.content, "embeds": [e.to_dict() for e in m.embeds]}
                    for m in discord_render(reply, language=language)]
        return json.dumps(messages, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    payloads = [m.payload() for m in slack_render(reply, language=language)]
    return json.dumps(payloads, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def golden_path(platform: str, command: str, language: str) -> Path:
    ext = "txt" if platform == "console" else "json"
    return GOLDEN / platform / f"{command}.{language}.{ext}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("platform", ["console", "discord", "slack"])
async def test_seed_output_matches_the_golden_file(seeded_app: App, platform: str, command: str,
                                                   language: str) -> None:
    reply = await seed_reply(seeded_app, command, language)
    assert reply.language == language and not reply.is_error, reply.title
    text = rendered(platform, reply, language)
    path = golden_path(platform, command, language)
    if os.environ.get("BRIEFBOT_GOLDEN") == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with BRIEFBOT_GOLDEN=write and read it"
    assert text == path.read_text(encoding="utf-8")


_WORD = re.compile(r"[^\W\d_]{4,}")
_QUOTED = re.compile(r"„[^“]*“|“[^”]*”")
# words both tables use, or codes that stay as people type them (status values, option names)
_SHARED = {"status", "claimant", "topic", "page", "time", "timezone", "language", "disputed",
           "hedged", "none", "briefbot", "subscribe", "invite", "digest", "help", "claims"}


def label_words(language: str) -> set[str]:
    """Words of ``language``'s label table that the other tables do not have."""
    def words(table: dict[str, str]) -> set[str]:
        return {w.casefold() for text in table.values()
                for w in _WORD.findall(re.sub(r"\{\w+\}", "", text))}

    own = words(LABELS[language])
    others = set().union(*(words(t) for lang, t in LABELS.items() if lang != language))
    return own - others - _SHARED


def bot_words(reply: Reply) -> str:
    """The words the bot wrote itself: the reply without the article's (bullets, quotes, names,
    figures, titles), so the article's own sentences never count as the other language."""
    content: list[str] = []
    for section in reply.sections:
        content += [*section.bullets, *(link.title for link in section.links)]
        content += [text for c in section.claims for text in (c.text, c.claimant or "")]
        content += [text for f in section.figures for text in (f.value, f.measures, f.source or "")]
        content.append(section.heading if section.heading[:1].isupper() and not any(
            section.heading in t.values() for t in LABELS.values()) else "")
    skeleton = dataclasses.replace(reply)
    text = render_reply(skeleton, language=reply.language or "en")
    for piece in sorted((c for c in content if c), key=len, reverse=True):
        text = text.replace(piece, " ")
    return _QUOTED.sub(" ", text)  # quotes as rendered (cut, inner marks turned)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("command", [*COMMANDS, "help", "sources", "bad_page"])
async def test_no_label_word_of_the_other_language(seeded_app: App, command: str,
                                                   language: str) -> None:
    if command in COMMANDS:
        reply = await seed_reply(seeded_app, command, language)
    else:
        await seeded_app.answers.set_language("console", language, language)
        name, options = {"help": ("help", {}), "sources": ("sources", {}),
                         "bad_page": ("claims", {"page": 99})}[command]
        reply = await seeded_app.router.handle(CommandRequest(name, options, platform="console",
                                                              community=language))
    other = "en" if language == "de" else "de"
    foreign = label_words(other)
    found = {w for w in _WORD.findall(bot_words(reply)) if w.casefold() in foreign}
    assert not found, (found, bot_words(reply))


def test_the_check_would_see_a_leak() -> None:
    """The leak test can fail: an English label inside German words is found."""
    reply = Reply(title="Tagesüberblick", footer="Window: heute", language="de")
    found = {w for w in _WORD.findall(bot_words(reply)) if w.casefold() in label_words("en")}
    assert found == {"Window"}


# What an admin types in one channel, in order: subscribing, listing, live, unsubscribing, and the
# mistakes people make (a bad time, an unknown zone, a mode that does not exist, a missing time).
CHAT_SESSION: tuple[tuple[str, dict[str, str | int]], ...] = (
    ("subscribe", {"time": "08:00", "timezone": "Europe/Berlin"}),
    ("subscribe", {"time": "09:30", "timezone": "Europe/Berlin"}),
    ("subscribe", {"mode": "live", "include": "DeepSeek"}),
    ("subscriptions", {}),
    ("unsubscribe", {"mode": "live"}),
    ("unsubscribe", {"mode": "live"}),
    ("unsubscribe", {}),
    ("unsubscribe", {}),
    ("subscribe", {"time": "25:00"}),
    ("subscribe", {"time": "08:00", "timezone": "Mars/Olympus"}),
    ("subscribe", {"mode": "weekly"}),
    ("subscribe", {}),
    ("subscribe", {"mode": "live", "time": "08:00"}),
    ("subscriptions", {}),
    ("sources", {}),
    ("feeds", {"action": "list"}),
    ("feeds", {"action": "add"}),
    ("feeds", {"action": "remove", "name": "nichtda"}),
    ("language", {}),
)
_PLATFORM_KEYS = {"type", "style", "url", "action_id", "block_id", "emoji", "color", "timestamp"}


def _strings(payload: object, key: str = "") -> list[str]:
    """The texts of a Discord or Slack payload (what a member reads), not its field names."""
    if isinstance(payload, str):
        return [] if key in _PLATFORM_KEYS else [payload]
    if isinstance(payload, dict):
        return [s for k, v in payload.items() for s in _strings(v, k)]
    if isinstance(payload, list):
        return [s for v in payload for s in _strings(v, key)]
    return []


def rendered_words(platform: str, reply: Reply, language: str) -> str:
    if platform == "console":
        return render_reply(reply, language=language)
    return "\n".join(_strings(json.loads(rendered(platform, reply, language))))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("platform", ["console", "discord", "slack"])
async def test_chat_replies_stay_in_the_community_language(seeded_app: App, platform: str,
                                                          language: str) -> None:
    """/subscribe, /subscriptions, /unsubscribe, /sources, /feeds and their errors, as each
    platform renders them: no label word of the other language."""
    community = f"guild-{language}"
    await seeded_app.answers.set_language(platform, community, language)
    admin = User(id="U1", name="admin", is_admin=True)
    foreign = label_words("en" if language == "de" else "de")
    leaks: dict[str, set[str]] = {}
    for name, options in CHAT_SESSION:
        reply = await seeded_app.router.handle(CommandRequest(
            name, options, user=admin, platform=platform, channel="C1", community=community))
        text = _QUOTED.sub(" ", rendered_words(platform, reply, language))
        found = {w for w in _WORD.findall(text) if w.casefold() in foreign}
        if found:
            leaks[f"/{name} {options}: {text[:200]}"] = found
    assert not leaks, leaks
