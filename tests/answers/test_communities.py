"""``/language``: admins choose their community's language; every later reply is written in it."""

from __future__ import annotations

from bot.app import App
from bot.model import CommandRequest, User

ADMIN = User("a", "admin", is_admin=True)
MEMBER = User("m", "member", is_admin=False)


def ask(command: str, community: str, user: User = MEMBER, **options: str) -> CommandRequest:
    return CommandRequest(command, dict(options), user, "discord", "C1", community)


async def test_language_is_per_community_and_for_admins(seeded_app: App) -> None:
    router = seeded_app.router
    refused = await router.handle(ask("language", "G1", language="en"))
    assert refused.is_error and "Admins" in refused.title  # the config's language: de
    done = await router.handle(ask("language", "G1", ADMIN, language="en"))
    assert not done.is_error and done.language == "en" and "English" in done.title
    english = await router.handle(ask("digest", "G1"))
    german = await router.handle(ask("digest", "G2"))
    assert english.language == "en" and english.title == "Daily digest"
    assert german.language == "de" and german.title == "Tagesüberblick"
    told = await router.handle(ask("language", "G1", ADMIN))
    assert told.title.startswith("I write in English")
    error = await router.handle(ask("claims", "G1", page="x"))
    assert error.is_error and "whole number" in error.title
