"""``briefbot discord-invite``: the OAuth2 URL that adds the bot to a server.

Scopes ``bot`` and ``applications.commands``; permissions are the minimum for posting digests
exactly once: View Channel, Send Messages, Embed Links, and Read Message History (after a crash the
publisher looks in the channel for a digest already posted); live subscriptions with ``thread`` or
``mention`` add what those need (``permissions_for``). The application id is read from the
token (a bot token's first part is the base64 of the bot's user id, which equals the application
id), so no network call.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlencode

import discord

from bot.errors import ConfigError

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")


def minimal_permissions() -> discord.Permissions:
    return discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                               read_message_history=True)


def application_id_from_token(token: str) -> int:
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), altchars=b"-_", validate=True)
        return int(decoded.decode("ascii"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ConfigError("DISCORD_TOKEN does not look like a Discord bot token; copy it from the "
                          "Developer Portal (Bot -> Reset Token)", key="DISCORD_TOKEN") from None


def permissions_for(config: Any) -> discord.Permissions:
    """The minimum, plus what the config's live Discord subscriptions use: threads (Create
    Public Threads, Send Messages in Threads) and role mentions (Mention All Roles, for roles not
    set to be mentionable by anyone). Without those keys the integer is the minimal one."""
    permissions = minimal_permissions()
    subs = [s for s in getattr(config, "all_subscriptions", ()) if s.platform == "discord"
            and s.mode == "live"]
    if any(s.thread for s in subs):
        permissions.update(create_public_threads=True, send_messages_in_threads=True)
    if any(s.mention for s in subs):
        permissions.update(mention_everyone=True)
    return permissions


def build_invite_url(application_id: int, *, guild_id: int | None = None,
                     permissions: discord.Permissions | None = None) -> str:
    query: dict[str, Any] = {
        "client_id": application_id,
        "scope": " ".join(SCOPES),
        "permissions": (permissions or minimal_permissions()).value,
    }
    if guild_id:
        query["guild_id"] = guild_id
        query["disable_guild_select"] = "true"
    return f"{AUTHORIZE_URL}?{urlencode(query)}"


async def invite_url(config: Any, secrets: Any) -> str:
    """Called by ``bot.run.discord_invite(config, secrets)``."""
    if not secrets.discord_token:
        raise ConfigError("set DISCORD_TOKEN (Developer Portal -> your app -> Bot -> Reset Token) "
                          "so the invite URL can name your application", key="DISCORD_TOKEN")
    app_id = application_id_from_token(secrets.discord_token)
    return build_invite_url(app_id, guild_id=config.discord.guild_id,
                            permissions=permissions_for(config))
