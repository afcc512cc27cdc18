from __future__ import annotations

import pytest

from bot.app import App
from bot.commands import split_options
from bot.errors import CommandError
from bot.model import CommandRequest, OptionType, User


def test_specs_cover_topics_and_builtins(app: App) -> None:
    specs = {s.name: s for s in app.router.commands()}
    assert set(specs) == {"deepseek", "claims", "digest", "sources", "subscriptions", "help",
                          "subscribe", "unsubscribe", "language", "feeds"}
    assert specs["subscribe"].admin_only and specs["unsubscribe"].admin_only
    assert not specs["claims"].admin_only
    claims_options = {o.name: o for o in specs["claims"].options}
    assert claims_options["status"].choices == ("disputed", "no_evidence", "hedged")
    assert claims_options["claimant"].autocomplete == "claimant"
    assert claims_options["page"].type is OptionType.INTEGER


def test_text_form_parsing(app: App) -> None:
    req = app.router.parse_text('/claims status:disputed claimant:"Sam Altman" page:2')
    assert req.command == "claims"
    assert req.options == {"status": "disputed", "claimant": "Sam Altman", "page": 2}
    free = app.router.parse_text("/claims Musk")
    assert free.options == {"claimant": "Musk"}
    slack = app.router.parse_text("status:hedged", command="/claims", platform="slack",
                                  channel="C1")
    assert slack.options == {"status": "hedged"} and slack.platform == "slack"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/claims page:two", "ganze Zahl"),
        ("/claims page:0", "mindestens 1"),
        ("/claims status:maybe", "eins von disputed, no_evidence, hedged"),
        ("/claims colour:red", "keine Option 'colour'"),
        ("claims", "beginnen mit /"),
    ],
)
def test_text_form_errors_say_what_to_write(app: App, line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        app.router.parse_text(line)


async def test_unknown_command_answers_with_help(app: App) -> None:
    reply = await app.router.handle(CommandRequest("nonsense"))
    assert "nonsense" in reply.title
    assert any("/claims" in b for b in reply.sections[0].bullets)


async def test_admin_commands_refused_to_members(seeded_app: App) -> None:
    member = User(id="u1", name="member", is_admin=False)
    reply = await seeded_app.router.handle(
        CommandRequest("subscribe", {"time": "08:00"}, member, "discord", "C1"))
    assert reply.is_error and reply.ephemeral and "Admins" in reply.title


async def test_topic_briefing_and_claims_come_from_stored_items(seeded_app: App) -> None:
    reply = await seeded_app.router.handle(CommandRequest("deepseek"))
    assert not reply.is_error
    text = " ".join(f"{f.value} {f.measures}" for s in reply.sections for f in s.figures)
    assert "DeepSeek" in text
    claims = await seeded_app.router.handle(CommandRequest("claims"))
    shown = [c for s in claims.sections for c in s.claims]
    assert shown and all(c.sources for c in shown)
    stored = {c.id for c in await seeded_app.storage.claims.list()}
    assert {c.id for c in shown} <= stored


async def test_claims_pagination_and_bad_page(seeded_app: App) -> None:
    reply = await seeded_app.router.handle(CommandRequest("claims", {"page": 99}))
    assert reply.is_error and "2 Seiten" in reply.title


async def test_unknown_topic_option(seeded_app: App) -> None:
    reply = await seeded_app.router.handle(CommandRequest("digest", {"topic": "nope"}))
    assert reply.is_error and "nope" in reply.title and "deepseek" in reply.title


async def test_claimant_autocomplete(seeded_app: App) -> None:
    names = await seeded_app.router.autocomplete("claimant", "")
    assert names and all(isinstance(n, str) for n in names)
    assert await seeded_app.router.autocomplete("topic", "deep") == ["deepseek"]


async def test_subscribe_live_from_chat_and_unsubscribe_by_id(app: App) -> None:
    def request(command: str, **options: str) -> CommandRequest:
        return CommandRequest(command, dict(options), platform="discord", channel="C1")

    no_time = await app.router.handle(request("subscribe"))
    assert no_time.is_error and "braucht eine Uhrzeit" in no_time.title
    mixed = await app.router.handle(request("subscribe", mode="live", time="08:00"))
    assert mixed.is_error and "nur für Überblicke" in mixed.title
    first = await app.router.handle(request("subscribe", mode="live", feeds="heise, tagesschau",
                                            include="DeepSeek"))
    assert not first.is_error and "Feeds heise, tagesschau" in first.title
    await app.router.handle(request("subscribe", mode="live", exclude="Börse"))
    (live1, live2) = [s for s in await app.storage.deliveries.subscriptions() if s.mode == "live"]
    assert {live1.feeds, live2.feeds} == {("heise", "tagesschau"), ()}
    listing = await app.router.handle(request("subscriptions"))
    assert live1.id in str(listing.sections) and live2.id in str(listing.sections)
    several = await app.router.handle(request("unsubscribe", mode="live"))
    assert several.is_error and live1.id in several.title
    gone = await app.router.handle(request("unsubscribe", id=live1.id))
    assert not gone.is_error
    assert [s.id for s in await app.storage.deliveries.subscriptions()] == [live2.id]


@pytest.mark.parametrize(
    ("text", "free", "pairs"),
    [
        ("claimant:Sam Altman", "", [("claimant", "Sam Altman")]),
        ('include:"DeepSeek R1" page:2', "", [("include", "DeepSeek R1"), ("page", "2")]),
        ("Musk status:disputed", "Musk", [("status", "disputed")]),
        ("claimant:„Jens Spahn“ topic:deepseek", "", [("claimant", "Jens Spahn"),
                                                      ("topic", "deepseek")]),
        ('claimant:"a b: c" x', "", [("claimant", "a b: c")]),
        ("time:08:00 timezone:Europe/Berlin", "", [("time", "08:00"),
                                                   ("timezone", "Europe/Berlin")]),
        ('"Sam Altman"', "Sam Altman", []),
    ],
)
def test_a_value_runs_to_the_next_key(text: str, free: str, pairs: list[tuple[str, str]]) -> None:
    assert split_options(text) == (free, pairs)


def test_every_platform_parses_alike(app: App) -> None:
    console = app.router.parse_text("/claims claimant:Sam Altman status:hedged")
    slack = app.router.parse_text("claimant:Sam Altman status:hedged", command="claims",
                                  platform="slack")
    assert console.options == slack.options == {"claimant": "Sam Altman", "status": "hedged"}


def test_descriptions_in_both_languages(app: App) -> None:
    german = {s.name: s.description for s in app.router.commands("de")}
    english = {s.name: s.description for s in app.router.commands("en")}
    assert german.keys() == english.keys()
    assert german["claims"] != english["claims"]
    assert english["deepseek"] == "Briefing: DeepSeek and the US-China AI race"
