"""Posting digests to a Discord channel (``bot.ports.Publisher``).

Idempotency rides on Discord's message nonce: discord.py sends ``enforce_nonce`` with every nonce,
so Discord answers a repeated nonce from the same bot within its window (a few minutes) with the
first message instead of posting a second one. Discord cannot look a message up by nonce later,
hence ``find_existing`` raises ``NotImplementedError`` and the caller simply publishes again with
the same key. discord.py's errors never leave this module: they become briefbot's publish errors.
"""

from __future__ import annotations

import hashlib
import logging

import aiohttp
import discord

from adapters.discord.render import render
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.model import Receipt, Reply, Target

log = logging.getLogger(__name__)

NONCE_MAX = 25  # Discord accepts nonces of at most 25 characters


def nonce_for(idempotency_key: str, part: int) -> str:
    """A stable nonce per (key, message part); a hash, since keys can be longer than 25."""
    digest = hashlib.blake2b(f"{idempotency_key}\x00{part}".encode(), digest_size=12).hexdigest()
    return digest[:NONCE_MAX]


class DiscordPublisher:
    platform = "discord"

    def __init__(self, client: discord.Client, *, language: str = "en") -> None:
        self.client = client
        self.language = language

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        try:
            channel_id = int(target.channel)
        except ValueError:
            raise PermanentPublishError(
                f"{target.channel!r} is not a Discord channel id (a number; enable Developer Mode "
                "and use Copy Channel ID)"
            ) from None
        if self.client.http.token is None:
            raise TransientPublishError("the Discord client is not logged in yet")
        channel = self.client.get_partial_messageable(channel_id)
        ids: list[str] = []
        for part, message in enumerate(render(reply, language=self.language)):
            sent = await self._send(channel, message.content, list(message.embeds),
                                    nonce_for(idempotency_key, part), target, sent_before=ids)
            ids.append(str(sent.id))
        return Receipt(message_id=ids[0], extra_ids=tuple(ids[1:]))

    async def _send(
        self,
        channel: discord.PartialMessageable,
        content: str | None,
        embeds: list[discord.Embed],
        nonce: str,
        target: Target,
        *,
        sent_before: list[str],
    ) -> discord.Message:
        where = f"Discord channel {target.channel}"
        try:
            return await channel.send(
                content=content,
                embeds=embeds,
                nonce=nonce,
                allowed_mentions=discord.AllowedMentions.none(),
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
            # help, but the next digest may well fit, so the subscription must stay enabled.
            log.error("%s refused a message: %s %s", where, e.status, e.text)
            raise TransientPublishError(f"{where}: refused the message ({e.status})") from e
        except aiohttp.ClientConnectorError as e:
            raise TransientPublishError(f"{where}: cannot connect to Discord ({e})") from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            # The request may have reached Discord; the nonce makes a retry safe anyway.
            done = f" after {len(sent_before)} part(s)" if sent_before else ""
            raise UnknownOutcomeError(f"{where}: connection lost{done} ({e!r})") from e

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        """Discord has no lookup by nonce; publishing again with the same key is the safe path."""
        raise NotImplementedError("Discord cannot find messages by nonce; publish again")


def _reason(error: discord.HTTPException) -> str:
    if isinstance(error, discord.NotFound):
        return "the channel does not exist or the bot cannot see it (404)"
    return "the bot may not post there (403: needs View Channel, Send Messages, Embed Links)"
