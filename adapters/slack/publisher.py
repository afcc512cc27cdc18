"""Scheduled digests to Slack: ``chat.postMessage`` with the idempotency key in message metadata.

Slack has no idempotent post, so the key travels as message metadata and ``find_existing`` looks it
up with ``conversations.history``. The Web API client retries only on 429 (slack-sdk's handler sleeps
``Retry-After``); a connection that breaks during a post is *not* retried blindly: it becomes
``UnknownOutcomeError`` and the delivery service asks ``find_existing`` before sending again.

A reply can need several messages. Each carries ``part``/``parts`` in its metadata; a lookup that
finds only some parts remembers them so the next ``publish`` with that key sends only the rest.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import Message, render
from bot.errors import PermanentPublishError, TransientPublishError, UnknownOutcomeError
from bot.model import Receipt, Reply, Target

log = logging.getLogger(__name__)

EVENT_TYPE = "briefbot_delivery"
HISTORY_PAGES = 3  # 3 x 200 messages back is far beyond a daily digest's neighbourhood
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "restricted_action",
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope",
    "invalid_blocks", "msg_too_long", "no_text", "ekm_access_denied", "team_access_not_granted",
})
UNKNOWN_ON_POST = frozenset({"internal_error", "fatal_error", "service_unavailable",
                             "request_timeout"})


def make_client(token: str, base_url: str, *, rate_limit_retries: int = 2) -> AsyncWebClient:
    """The Web API client: only the rate-limit retry handler, never a blind connection retry."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)],
    )


def _with_group_mention(message: Message, group: str) -> Message:
    """The message with ``<!subteam^ID>`` in front: the one mention Slack will notify, since the
    renderers escape every ``<`` of feed text."""
    mention = f"<!subteam^{group}>"
    block = {"type": "section", "text": {"type": "mrkdwn", "text": mention}}
    return dataclasses.replace(message, text=f"{mention} {message.text}",
                               blocks=[block, *message.blocks])


class SlackPublisher:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, language: str = "en") -> None:
        self.client = client
        self.language = language
        self._known_parts: dict[tuple[str, str], dict[int, str]] = {}

    async def publish(self, target: Target, reply: Reply, *, idempotency_key: str) -> Receipt:
        messages = render(reply, language=reply.language or self.language)
        known = self._known_parts.setdefault((target.channel, idempotency_key), {})
        for part, message in enumerate(messages):
            if part in known:
                continue
            if reply.notify and part == 0:  # opt-in: exactly this user group, nothing else
                first = _with_group_mention(message, reply.notify)
            else:
                first = message
            known[part] = await self._post(target.channel, first, idempotency_key, part,
                                           len(messages))
        self._known_parts.pop((target.channel, idempotency_key), None)
        ids = [known[i] for i in range(len(messages))]
        if reply.replies:
            await self._thread_reply(target.channel, ids[0], reply)
        return Receipt(message_id=ids[0], extra_ids=tuple(ids[1:]))

    async def _thread_reply(self, channel: str, thread_ts: str, reply: Reply) -> None:
        """A live post's claims as a reply in its thread. The post itself is out: a failure
        here is logged, never raised, so that the post is not sent again."""
        for message in render(Reply(title=reply.title, sections=reply.replies),
                              language=reply.language or self.language):
            try:
                await self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=message.text,
                    blocks=message.blocks, unfurl_links=False, unfurl_media=False)
            except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as e:
                log.warning("Slack channel %s: the claims reply to %s was not posted (%s)",
                            channel, thread_ts, e)
                return

    async def _post(self, channel: str, message: Message, key: str, part: int,
                    parts: int) -> str:
        metadata = {"event_type": EVENT_TYPE,
                    "event_payload": {"key": key, "part": part, "parts": parts}}
        try:
            response = await self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, metadata=metadata,
                unfurl_links=False, unfurl_media=False,
            )
        except SlackApiError as e:
            error = _error_code(e)
            if error in UNKNOWN_ON_POST or _status(e) >= 500:
                raise UnknownOutcomeError(f"Slack answered {error or _status(e)} to a post in "
                                          f"{channel}; it may have been posted") from e
            raise _mapped(e, channel) from e
        except aiohttp.ClientConnectorError as e:
            raise TransientPublishError(f"cannot reach Slack: {e}") from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise UnknownOutcomeError(
                f"the connection broke while posting to {channel}: {type(e).__name__}"
            ) from e
        return str(response.get("ts"))

    async def find_existing(self, target: Target, idempotency_key: str) -> Receipt | None:
        """The posted message(s) carrying this key in their metadata, from recent history.

        ``NotImplementedError`` when the bot may post but not read the channel (a public channel
        it was never invited to), as the ``Publisher`` contract says for "cannot tell".
        """
        found: dict[int, str] = {}
        parts: int | None = None
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                response = await self.client.conversations_history(
                    channel=target.channel, limit=200, include_all_metadata=True, cursor=cursor,
                )
            except SlackApiError as e:
                if _error_code(e) == "not_in_channel":
                    # chat:write.public lets the bot post to a public channel it has not
                    # joined, but not read it: it cannot tell, which is not a reason to give up
                    raise NotImplementedError(
                        f"cannot read {target.channel} to look for the post; invite the bot"
                    ) from e
                raise _mapped(e, target.channel) from e
            except (TimeoutError, aiohttp.ClientError, OSError) as e:
                raise TransientPublishError(f"cannot read the history of {target.channel}: "
                                            f"{type(e).__name__}") from e
            for message in response.get("messages") or []:
                payload = _payload(message)
                if payload is None or payload.get("key") != idempotency_key:
                    continue
                found[int(payload.get("part", 0))] = str(message.get("ts"))
                parts = int(payload.get("parts", 1))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None or (parts is not None and len(found) >= parts):
                break
        if parts is None:
            return None
        if len(found) < parts:
            # some parts made it: the next publish sends only the missing ones
            self._known_parts[(target.channel, idempotency_key)] = dict(found)
            return None
        ids = [found[i] for i in sorted(found)]
        return Receipt(message_id=ids[0], extra_ids=tuple(ids[1:]))

    async def can_post(self, channel: str) -> str | None:
        """None when the bot can post to and read ``channel``; else why not, for the user.

        Reading history is what duplicate detection needs, and it fails with ``not_in_channel``
        exactly when the bot has not been invited.
        """
        try:
            await self.client.conversations_history(channel=channel, limit=1)
        except SlackApiError as e:
            error = _error_code(e)
            if error in ("not_in_channel", "channel_not_found"):
                return error
            raise _mapped(e, channel) from e
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise TransientPublishError(f"cannot reach Slack: {type(e).__name__}") from e
        return None


def _payload(message: dict[str, Any]) -> dict[str, Any] | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    return payload if isinstance(payload, dict) else None


def _error_code(e: SlackApiError) -> str:
    try:
        return str(e.response.get("error") or "")
    except (AttributeError, TypeError):
        return ""


def _status(e: SlackApiError) -> int:
    return int(getattr(e.response, "status_code", 200) or 200)


def _mapped(e: SlackApiError, channel: str) -> Exception:
    error = _error_code(e)
    if error in PERMANENT:
        hint = " (invite the bot with /invite @briefbot)" if error == "not_in_channel" else ""
        return PermanentPublishError(f"Slack refused posting to {channel}: {error}{hint}")
    retry_after: float | None = None
    if error == "ratelimited" or _status(e) == 429:
        headers = getattr(e.response, "headers", {}) or {}
        value = headers.get("Retry-After") or headers.get("retry-after")
        retry_after = float(value) if value else None
    return TransientPublishError(f"Slack answered {error or _status(e)} for {channel}",
                                 retry_after=retry_after)
