"""Posting digests to a Discord channel (``bot.ports.Publisher``).

Two layers against duplicates. Discord's message nonce: discord.py sends ``enforce_nonce`` with every
nonce, so a repeated nonce from the same bot within Discord's short window (a few minutes) returns the
first message instead of posting a second one. Beyond that window, after a crash between send and
confirmation, ``find_existing`` reads recent channel history (two pages of 100, bounded) for the
bot's own messages whose embed footer carries the key: Discord does not store nonces, so the footer
is the only trace that survives. Reading history needs *Read Message History*; without it (403) the
publisher cannot tell and says so with ``NotImplementedError``, as the contract asks.

A split digest marks each message "part/parts"; a lookup that finds only some parts remembers them so
the next ``publish`` with that key sends only the rest (as the Slack publisher does). discord.py's
errors never leave this module: they become briefbot's publish errors.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import aiohttp
import discord

from adapters.discord.render import Marker, marker_key, read_marker, render
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.model import Receipt, Reply, Target

log = logging.getLogger(__name__)

NONCE_MAX = 25  # Discord accepts nonces of at most 25 characters
HISTORY_PAGE = 100  # Discord's maximum per request
HISTORY_PAGES = 2  # 200 messages back: far beyond a daily digest's neighbourhood


def nonce_for(idempotency_key: str, part: int) -> str:
    """A stable nonce per (key, message part); a hash, since keys can be longer than 25."""
    digest = hashlib.blake2b(f"{idempotency_key}\x00{part}".encode(), digest_size=12).hexdigest()
    return digest[:NONCE_MAX]


async def _open_thread(client: discord.Client, message: discord.Message, title: str,
                       target: Target) -> None:
    """A thread on a live post (``thread = true``). The post stands without it: a refusal (no
    Create Public Threads permission) is logged, not raised, so the post is not sent again."""
    try:  # through the HTTP client: a message of a partial channel carries no guild
        await client.http.start_thread_with_message(
            message.channel.id, message.id, name=title[:100] or "briefbot",
            auto_archive_duration=1440)
    except discord.HTTPException as e:
        log.warning("Discord channel %s: could not open a thread on message %s (%s %s); the "
                    "bot needs the Create Public Threads permission", target.channel, message.id,
                    e.status, e.text)


class DiscordPublisher:
    platform = "discord"

    def __init__(self, client: discord.Client, *, language: str = "en") -> None:
        self.client = client
        self.language = language
        # (channel, key) -> (parts, {part: message id}) of a post found or sent only in part
        self._known_parts: dict[tuple[str, str], tuple[int, dict[int, str]]] = {}

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        channel_id = _channel_id(target)
        if self.client.http.token is None:
            raise TransientPublishError("the Discord client is not logged in yet")
        channel = self.client.get_partial_messageable(channel_id)
        messages = render(reply, language=reply.language or self.language,
                          idempotency_key=idempotency_key)
        slot = (target.channel, idempotency_key)
        parts, known = self._known_parts.get(slot, (len(messages), {}))
        if parts != len(messages):  # rendered differently since: the nonces still guard a resend
            known = {}
        self._known_parts[slot] = (len(messages), known)
        for part, message in enumerate(messages):
            if part in known:
                continue
            content, mentions = message.content, discord.AllowedMentions.none()
            if reply.notify and part == 0:  # opt-in: exactly this role, nothing else
                content = f"<@&{reply.notify}> {content or ''}".strip()
                mentions = discord.AllowedMentions(everyone=False, users=False, replied_user=False,
                                                   roles=[discord.Object(id=int(reply.notify))])
            sent = await self._send(channel, content, list(message.embeds),
                                    nonce_for(idempotency_key, part), target,
                                    sent_before=len(known), mentions=mentions)
            known[part] = str(sent.id)
            if reply.thread and part == 0:
                await _open_thread(self.client, sent, reply.title, target)
        self._known_parts.pop(slot, None)
        ids = [known[i] for i in range(len(messages))]
        return Receipt(message_id=ids[0], extra_ids=tuple(ids[1:]))

    async def _send(
        self,
        channel: discord.PartialMessageable,
        content: str | None,
        embeds: list[discord.Embed],
        nonce: str,
        target: Target,
        *,
        sent_before: int,
        mentions: discord.AllowedMentions,
    ) -> discord.Message:
        where = f"Discord channel {target.channel}"
        try:
            return await channel.send(
                content=content,
                embeds=embeds,
                nonce=nonce,
                allowed_mentions=mentions,
            )
        except discord.RateLimited as e:
            raise TransientPublishError(
                f"{where}: rate limited for {e.retry_after:.0f} s", retry_after=e.retry_after
            ) from e
        except (discord.Forbidden, discord.NotFound) as e:
            raise PermanentPublishError(f"{where}: {_reason(e)}") from e
        except discord.DiscordServerError as e:
            raise TransientPublishError(f"{where}: Discord server error {e.status}") from e
        except discord.HTTPException as e:
            # 400 and friends: Discord refused this payload. Retrying the same payload cannot
            # help, but the next digest may well fit, so the subscription must stay enabled;
            # the delivery service gives the slot up after [delivery] max_attempts and says so.
            log.error("%s refused a message: %s %s", where, e.status, e.text)
            raise TransientPublishError(f"{where}: refused the message ({e.status})") from e
        except aiohttp.ClientConnectorError as e:
            raise TransientPublishError(f"{where}: cannot connect to Discord ({e})") from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            # The request may have reached Discord; the nonce makes a retry safe anyway.
            done = f" after {sent_before} part(s)" if sent_before else ""
            raise UnknownOutcomeError(f"{where}: connection lost{done} ({e!r})") from e

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        """The bot's message(s) whose footer carries this key, from recent channel history.

        ``NotImplementedError`` when the bot may not read the history (403: no Read Message
        History), which is "cannot tell", not a reason to disable the digest.
        """
        channel_id = _channel_id(target)
        me = self._bot_id()
        wanted = marker_key(idempotency_key)
        found: dict[int, str] = {}
        parts: int | None = None
        before: int | None = None
        for _ in range(HISTORY_PAGES):
            page = await self._history(channel_id, target, before)
            for raw in page:  # newest first: the oldest copy of a part wins
                if str((raw.get("author") or {}).get("id")) != me:
                    continue
                marker = _marker_of(raw)
                if marker is None or marker.key != wanted:
                    continue
                found[marker.part] = str(raw["id"])
                parts = marker.parts
            if len(page) < HISTORY_PAGE or (parts is not None and len(found) >= parts):
                break
            before = int(page[-1]["id"])
        if parts is None:
            return None
        found = {p: i for p, i in found.items() if p < parts}
        if len(found) < parts:
            # some parts made it: the next publish with this key sends only the missing ones
            self._known_parts[(target.channel, idempotency_key)] = (parts, found)
            log.warning("Discord channel %s: %d of %d parts of %s found; the rest will follow",
                        target.channel, len(found), parts, idempotency_key)
            return None
        ids = [found[i] for i in range(parts)]
        return Receipt(message_id=ids[0], extra_ids=tuple(ids[1:]))

    def _bot_id(self) -> str:
        if self.client.http.token is None:
            raise TransientPublishError("the Discord client is not logged in yet")
        user = self.client.user
        if user is not None:
            return str(user.id)
        if self.client.application_id is not None:  # a bot user's id is its application id
            return str(self.client.application_id)
        raise TransientPublishError("the Discord client does not know its own user yet")

    async def _history(
        self, channel_id: int, target: Target, before: int | None
    ) -> list[dict[str, Any]]:
        where = f"Discord channel {target.channel}"
        try:
            page = await self.client.http.logs_from(channel_id, HISTORY_PAGE, before=before)
        except discord.Forbidden as e:
            raise NotImplementedError(
                f"{where}: cannot read the history to look for the post (403: the bot needs "
                "Read Message History)"
            ) from e
        except discord.NotFound as e:
            raise PermanentPublishError(f"{where}: {_reason(e)}") from e
        except discord.RateLimited as e:
            raise TransientPublishError(
                f"{where}: rate limited for {e.retry_after:.0f} s", retry_after=e.retry_after
            ) from e
        except discord.HTTPException as e:
            raise TransientPublishError(f"{where}: reading history failed ({e.status})") from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise TransientPublishError(f"{where}: cannot read the history ({e!r})") from e
        # raw payloads: only the author id and the embed footers matter here
        return [dict(m) for m in page] if isinstance(page, list) else []


def _channel_id(target: Target) -> int:
    try:
        return int(target.channel)
    except ValueError:
        raise PermanentPublishError(
            f"{target.channel!r} is not a Discord channel id (a number; enable Developer Mode "
            "and use Copy Channel ID)"
        ) from None


def _marker_of(raw: dict[str, Any]) -> Marker | None:
    """The key mark of a raw message: the footer of its last marked embed."""
    for embed in reversed(raw.get("embeds") or []):
        footer = (embed.get("footer") or {}).get("text") if isinstance(embed, dict) else None
        marker = read_marker(footer)
        if marker is not None:
            return marker
    return None


def _reason(error: discord.HTTPException) -> str:
    if isinstance(error, discord.NotFound):
        return "the channel does not exist or the bot cannot see it (404)"
    return "the bot may not post there (403: needs View Channel, Send Messages, Embed Links)"
