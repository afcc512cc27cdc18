"""A fake Discord (gateway + REST) on 127.0.0.1 for the real discord.py client.

It answers like Discord where briefbot depends on it: 400 for a payload over any documented limit,
an enforced nonce returns the first message, 429 with ``Retry-After``, 403/404 for channels the bot
may not use, channel history newest first (``limit``/``before``/``after``) without nonces (Discord
keeps a nonce only in the answer to the post, never with the stored message). One stricter rule
than Discord: every message must carry ``allowed_mentions`` that parse nothing, so a test fails
whenever a message could ping. Tests wait on the queues here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "1100000000000000001"
BOT_ID = APP_ID  # a bot user's id equals its application id
GUILD_ID = "1200000000000000002"
CHANNEL_ID = "1300000000000000003"
ADMIN_PERMISSIONS = str(1 << 5 | 1 << 10 | 1 << 11)  # Manage Guild, View Channel, Send Messages
MEMBER_PERMISSIONS = str(1 << 10 | 1 << 11 | 1 << 14)  # View Channel, Send Messages, Embed Links
EPHEMERAL = 1 << 6

BODY: web.RequestKey[Any] = web.RequestKey("body", object)

BOT_USER = {"id": BOT_ID, "username": "briefbot", "discriminator": "0", "avatar": None,
            "global_name": None, "bot": True}
READER = {"id": "1600000000000000006", "username": "reader", "discriminator": "0", "avatar": None,
          "global_name": "Reader"}


def check_message(payload: dict[str, Any], allowed_roles: frozenset[str] = frozenset()) -> list[str]:
    """What Discord would refuse in a message payload (plus the fake's mention rule: nothing
    parsed, no users, and only the roles a test opted in to)."""
    errors = []
    content = payload.get("content") or ""
    if len(content) > 2000:
        errors.append(f"content: {len(content)} > 2000")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors.append(f"embeds: {len(embeds)} > 10")
    total = 0
    for i, embed in enumerate(embeds):
        title, desc = embed.get("title") or "", embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        fields = embed.get("fields") or []
        if not (title or desc or fields or embed.get("image")):
            errors.append(f"embeds[{i}]: empty embed")
        for name, text, limit in (("title", title, 256), ("description", desc, 4096),
                                  ("footer", footer, 2048), ("author", author, 256)):
            if len(text) > limit:
                errors.append(f"embeds[{i}].{name}: {len(text)} > {limit}")
        if len(fields) > 25:
            errors.append(f"embeds[{i}].fields: {len(fields)} > 25")
        for j, f in enumerate(fields):
            if len(f.get("name", "")) > 256 or len(f.get("value", "")) > 1024:
                errors.append(f"embeds[{i}].fields[{j}] too long")
        total += len(title) + len(desc) + len(footer) + len(author)
        total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
    if total > 6000:
        errors.append(f"embeds: {total} characters > 6000")
    mentions = payload.get("allowed_mentions")
    if not isinstance(mentions, dict) or mentions.get("parse") != [] or mentions.get("users") or (
        not {str(r) for r in mentions.get("roles") or ()} <= allowed_roles
    ):
        errors.append(f"allowed_mentions must parse nothing, got {mentions!r}")
    if payload.get("nonce") is not None and len(str(payload["nonce"])) > 25:
        errors.append("nonce longer than 25 characters")
    return errors


@dataclass
class Interaction:
    """What the bot did with one interaction, in order: (kind, payload)."""

    id: str
    token: str
    events: asyncio.Queue[tuple[str, dict[str, Any]]] = field(default_factory=asyncio.Queue)
    messages: list[dict[str, Any]] = field(default_factory=list)  # as Discord stored them


class FakeDiscord:
    def __init__(self) -> None:
        self.ids = itertools.count(1400000000000000000)
        self.requests: list[tuple[str, str, Any]] = []
        self.rejected: list[tuple[str, list[str]]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.synced = asyncio.Event()
        self.identified = asyncio.Queue[dict[str, Any]]()
        self.resumed = asyncio.Queue[dict[str, Any]]()
        self.connections = 0  # gateway connections ever opened
        self.open_connections = 0
        self.most_open = 0  # the most gateway connections open at one time
        self.channel_posts: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.channel_messages: dict[str, list[dict[str, Any]]] = {CHANNEL_ID: []}
        self.forbidden_channels: set[str] = set()
        self.history_forbidden: set[str] = set()  # may post but not Read Message History
        self.refused_channels: set[str] = set()  # every post there gets 400 (payload refused)
        self.history_reads: list[dict[str, str]] = []  # query of each history request
        self.nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self.rate_limits: list[tuple[str, float]] = []  # (path regex, retry_after), used once
        self.allowed_roles: frozenset[str] = frozenset()  # roles a message may mention (opt-in)
        self.threads: list[dict[str, Any]] = []  # threads opened on messages
        self.rate_limited: list[str] = []
        self.interactions: dict[str, Interaction] = {}
        self.session_id = "fake-session-1"
        self.sequence = 0
        self.ws: web.WebSocketResponse | None = None  # the latest connection (any shard)
        self.ws_ready = asyncio.Event()
        # sharding: the connection of each shard (IDENTIFY's ``shard: [id, count]``; none: shard
        # 0 of 1), and the guilds it was told about in READY / GUILD_CREATE
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self.shard_count = 1
        self.shard_ws: dict[int, web.WebSocketResponse] = {}
        self.shard_ready: dict[int, asyncio.Event] = {}
        self.guilds: list[str] = []  # none by default: READY lists no guild
        self.guilds_sent: dict[int, list[str]] = {}
        self.delivered: dict[str, int] = {}  # interaction id -> the shard it went over
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on ``port`` (0: any free one; a test restarting the server passes the old one)."""
        app = web.Application(middlewares=[self._record])
        api = "/api/v10"
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_bot)
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        app.router.add_post(f"{api}/interactions/{{iid}}/{{token}}/callback", self._callback)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self._edit)
        app.router.add_delete(f"{api}/webhooks/{{app}}/{{token}}/messages/@original",
                              self._delete)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._channel_message)
        app.router.add_get(f"{api}/channels/{{channel}}/messages", self._history)
        app.router.add_post(f"{api}/channels/{{channel}}/messages/{{message}}/threads",
                            self._thread)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in {id(w): w for w in [*self.shard_ws.values(), self.ws] if w is not None}.values():
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # discord.py decodes only an exact "application/json" content type
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})

    def _invalid(self, path: str, errors: list[str]) -> web.Response:
        self.rejected.append((path, errors))
        return self.json({"code": 50035, "message": "Invalid Form Body",
                          "errors": {"_errors": [{"code": "BASE", "message": e} for e in errors]}},
                         status=400)

    def message(self, channel_id: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": str(next(self.ids)), "channel_id": channel_id, "type": 0,
            "content": payload.get("content") or "", "author": BOT_USER,
            "embeds": payload.get("embeds") or [], "attachments": [], "mentions": [],
            "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None,
            "flags": payload.get("flags") or 0, "components": payload.get("components") or [],
            "nonce": payload.get("nonce"), **extra,
        }

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body: Any = None
        if request.can_read_body and request.content_type == "application/json":
            body = await request.json()
        self.requests.append((request.method, request.path, body))
        for i, (pattern, retry_after) in enumerate(self.rate_limits):
            if re.search(pattern, request.path):
                del self.rate_limits[i]
                self.rate_limited.append(request.path)
                return self.json(
                    {"message": "You are being rate limited.", "retry_after": retry_after,
                     "global": False},
                    status=429,
                    headers={"Retry-After": str(retry_after), "Via": "1.1 google",
                             "X-RateLimit-Scope": "user"},
                )
        request[BODY] = body
        return await handler(request)

    # --- REST -------------------------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bot " + TOKEN:
            return self.json({"message": "401: Unauthorized", "code": 0}, status=401)
        return self.json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return self.json({
            "id": APP_ID, "name": "briefbot", "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": {**BOT_USER, "id": "1500000000000000005", "bot": False}, "flags": 0,
        })

    async def _sync(self, request: web.Request) -> web.Response:
        scope = request.match_info.get("guild", "global")
        commands = request[BODY]
        out = [{**c, "id": str(next(self.ids)), "application_id": APP_ID, "version": "1",
                "type": c.get("type", 1), "default_member_permissions":
                    c.get("default_member_permissions")} for c in commands]
        self.commands[scope] = out
        self.synced.set()
        return self.json(out)

    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions[request.match_info["iid"]]
        if request.match_info["token"] != interaction.token:
            return self.json({"message": "Unknown interaction", "code": 10062}, status=404)
        body = request[BODY]
        data = body.get("data") or {}
        if body.get("type") in (4, 7):
            errors = check_message(data)
            if errors:
                return self._invalid(request.path, errors)
        message = self.message(CHANNEL_ID, data, interaction_metadata={
            "id": interaction.id, "type": 2, "user": BOT_USER,
            "authorizing_integration_owners": {}})
        if body.get("type") == 4:
            interaction.messages.append(message)
        await interaction.events.put(("callback", body))
        return self.json({
            "interaction": {"id": interaction.id, "type": 2, "response_message_id": message["id"],
                            "response_message_loading": body.get("type") == 5,
                            "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL)},
            "resource": {"type": body["type"], "message": message},
        })

    def _by_token(self, token: str) -> Interaction:
        return next(i for i in self.interactions.values() if i.token == token)

    async def _edit(self, request: web.Request) -> web.Response:
        body = request[BODY]
        errors = check_message(body)
        if errors:
            return self._invalid(request.path, errors)
        await self._by_token(request.match_info["token"]).events.put(("edit", body))
        return self.json(self.message(CHANNEL_ID, body, webhook_id=APP_ID))

    async def _delete(self, request: web.Request) -> web.Response:
        await self._by_token(request.match_info["token"]).events.put(("delete", {}))
        return web.Response(status=204)

    async def _followup(self, request: web.Request) -> web.Response:
        body = request[BODY]
        errors = check_message(body)
        if errors:
            return self._invalid(request.path, errors)
        await self._by_token(request.match_info["token"]).events.put(("followup", body))
        return self.json(self.message(CHANNEL_ID, body, webhook_id=APP_ID))

    async def _channel_message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        if channel in self.forbidden_channels:
            return self.json({"message": "Missing Access", "code": 50001}, status=403)
        if channel not in self.channel_messages:
            return self.json({"message": "Unknown Channel", "code": 10003}, status=404)
        body = request[BODY]
        errors = check_message(body, self.allowed_roles)
        if channel in self.refused_channels:
            errors = errors or ["refused by the test"]
        if errors:
            return self._invalid(request.path, errors)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce") and (channel, nonce) in self.nonces:
            return self.json(self.nonces[(channel, nonce)])
        message = self.message(channel, body)
        if nonce is not None:
            self.nonces[(channel, nonce)] = message
        self.channel_messages[channel].append(message)
        await self.channel_posts.put(message)
        return self.json(message)

    async def _thread(self, request: web.Request) -> web.Response:
        """A public thread on a message; the thread's id is the message's, as on Discord."""
        body = request[BODY]
        thread = {"id": request.match_info["message"], "type": 11, "name": body.get("name"),
                  "parent_id": request.match_info["channel"], "guild_id": GUILD_ID,
                  "owner_id": "1", "thread_metadata": {"archived": False, "locked": False,
                                                       "auto_archive_duration": 1440,
                                                       "archive_timestamp": "2026-01-01T00:00:00+00:00"}}
        self.threads.append(thread)
        return self.json(thread)

    async def _history(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages``: newest first, as Discord answers."""
        channel = request.match_info["channel"]
        self.history_reads.append(dict(request.query))
        if channel in self.forbidden_channels:
            return self.json({"message": "Missing Access", "code": 50001}, status=403)
        if channel in self.history_forbidden:
            return self.json({"message": "Missing Permissions", "code": 50013}, status=403)
        if channel not in self.channel_messages:
            return self.json({"message": "Unknown Channel", "code": 10003}, status=404)
        try:
            limit = int(request.query.get("limit", "50"))
            before = int(request.query["before"]) if "before" in request.query else None
            after = int(request.query["after"]) if "after" in request.query else None
        except ValueError:
            return self._invalid(request.path, ["limit/before/after must be numbers"])
        if not 1 <= limit <= 100:
            return self._invalid(request.path, [f"limit: {limit} not in 1..100"])
        stored = [m for m in self.channel_messages[channel]
                  if (before is None or int(m["id"]) < before)
                  and (after is None or int(m["id"]) > after)]
        stored.sort(key=lambda m: int(m["id"]), reverse=True)
        page = stored[-limit:] if after is not None else stored[:limit]
        return self.json([{**m, "nonce": None} for m in page])

    def add_message(self, channel: str, payload: dict[str, Any],
                    author: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message someone else (or, with ``author=BOT_USER``, the bot earlier) left there."""
        message = self.message(channel, payload, author=author or READER)
        self.channel_messages.setdefault(channel, []).append(message)
        return message

    # --- gateway ----------------------------------------------------------------------------------

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        """What AutoShardedClient asks without a shard count: the URL and Discord's advice."""
        return self.json({"url": self.gateway_url, "shards": self.recommended_shards,
                          "session_start_limit": {"total": 1000, "remaining": 999,
                                                  "reset_after": 14400000,
                                                  "max_concurrency": 1}})

    def shard_of(self, guild_id: str) -> int:
        """Discord's rule: a guild's events go over shard ``(guild_id >> 22) % shard_count``."""
        return (int(guild_id) >> 22) % self.shard_count

    def ready_event(self, shard: int) -> asyncio.Event:
        return self.shard_ready.setdefault(shard, asyncio.Event())

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> int:
        shard, count = data.get("shard") or (0, 1)
        if self.shard_ws and count != self.shard_count:
            await ws.close(code=4011, message=b"sharding required")  # a count other processes
            return -1  # do not share: Discord refuses it ("invalid shard")
        self.shard_count = count
        self.shard_ws[shard] = ws
        guilds = [g for g in self.guilds if self.shard_of(g) == shard]
        self.guilds_sent[shard] = guilds
        await self._dispatch(ws, "READY", {
            "v": 10, "user": BOT_USER, "session_id": self.session_id,
            "guilds": [{"id": g, "unavailable": True} for g in guilds],
            "resume_gateway_url": self.gateway_url, "shard": [shard, count],
            "application": {"id": APP_ID, "flags": 0},
        })
        for guild in guilds:
            await self._dispatch(ws, "GUILD_CREATE", guild_payload(guild))
        self.ready_event(shard).set()
        return shard

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self.open_connections += 1
        self.most_open = max(self.most_open, self.open_connections)
        self.ws = ws
        try:
            return await self._serve_gateway(ws)
        finally:
            self.open_connections -= 1

    async def _serve_gateway(self, ws: web.WebSocketResponse) -> web.WebSocketResponse:
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            payload = json.loads(msg.data)
            op = payload["op"]
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                if await self._identify(ws, payload["d"]) < 0:
                    break
                self.ws_ready.set()
                await self.identified.put(payload["d"])
            elif op == 6:
                if payload["d"].get("session_id") != self.session_id:
                    await ws.send_str(json.dumps({"op": 9, "d": False}))
                    continue
                await self._dispatch(ws, "RESUMED", {})
                self.ws_ready.set()
                await self.resumed.put(payload["d"])
        for shard, held in list(self.shard_ws.items()):
            if held is ws:  # the shard has no connection until it identifies again
                del self.shard_ws[shard]
                self.ready_event(shard).clear()
        return ws

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: Any) -> None:
        self.sequence += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self.sequence, "d": data}))

    async def ask_reconnect(self) -> None:
        """Op 7: Discord tells the client to reconnect (and resume) elsewhere."""
        assert self.ws is not None
        self.ws_ready.clear()
        await self.ws.send_str(json.dumps({"op": 7, "d": None}))

    async def close_gateway(self, code: int) -> None:
        """Close the gateway connection with a close code (4004: authentication failed)."""
        assert self.ws is not None
        self.ws_ready.clear()
        await self.ws.close(code=code, message=b"closed by the fake")

    async def send_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        admin: bool = False,
        interaction_type: int = 2,
        focused: str | None = None,
        user_id: str = "1600000000000000006",
        subcommand: str | None = None,
        guild_id: str = GUILD_ID,
        channel_id: str = CHANNEL_ID,
    ) -> Interaction:
        """Dispatch INTERACTION_CREATE for ``/name`` (``/name subcommand``) in a guild channel
        (complete payload)."""
        iid = str(next(self.ids))
        interaction = Interaction(id=iid, token=f"token-{iid}")
        self.interactions[iid] = interaction
        opts = []
        for key, value in (options or {}).items():
            kind = 4 if isinstance(value, int) else 3
            opt: dict[str, Any] = {"name": key, "type": kind, "value": value}
            if key == focused:
                opt["focused"] = True
            opts.append(opt)
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        command_id = next((c["id"] for scope in self.commands.values() for c in scope
                           if c["name"] == name), "1")
        user = {**READER, "id": user_id}
        await self.dispatch_interaction({
            "id": iid, "application_id": APP_ID, "type": interaction_type,
            "token": interaction.token, "version": 1, "attachment_size_limit": 8388608,
            "locale": "en-US", "guild_locale": "en-US", "guild_id": guild_id,
            "channel_id": channel_id,
            "channel": {"id": channel_id, "type": 0, "name": "news", "position": 0,
                        "guild_id": guild_id},
            "member": {"user": user, "roles": [], "flags": 0, "joined_at": "2025-01-01T00:00:00Z",
                       "deaf": False, "mute": False,
                       "permissions": ADMIN_PERMISSIONS if admin else MEMBER_PERMISSIONS},
            "app_permissions": MEMBER_PERMISSIONS,
            "data": {"id": command_id, "name": name, "type": 1, "options": opts},
        })
        return interaction

    async def press_button(self, custom_id: str, message: dict[str, Any],
                           original: Interaction) -> Interaction:
        iid = str(next(self.ids))
        interaction = Interaction(id=iid, token=f"token-{iid}")
        self.interactions[iid] = interaction
        user = {"id": "1600000000000000006", "username": "reader", "discriminator": "0",
                "avatar": None}
        await self.dispatch_interaction({
            "id": iid, "application_id": APP_ID, "type": 3, "token": interaction.token,
            "version": 1, "attachment_size_limit": 8388608, "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID,
            "channel": {"id": CHANNEL_ID, "type": 0, "name": "news", "position": 0},
            "member": {"user": user, "roles": [], "flags": 0, "permissions": MEMBER_PERMISSIONS,
                       "joined_at": "2025-01-01T00:00:00Z", "deaf": False, "mute": False},
            "message": {**message, "interaction_metadata": {
                "id": original.id, "type": 2, "user": user,
                "authorizing_integration_owners": {}}},
            "data": {"custom_id": custom_id, "component_type": 2},
        })
        return interaction

    async def dispatch_interaction(self, data: dict[str, Any]) -> None:
        """Over the connection of the guild's shard (the latest connection when the shard has
        none yet: a resumed one), once it is ready."""
        guild = data.get("guild_id")
        shard = self.shard_of(guild) if guild else 0
        await self.ws_ready.wait()
        if self.shard_count > 1:
            await self.ready_event(shard).wait()
        ws = self.shard_ws.get(shard, self.ws)
        assert ws is not None
        self.delivered[str(data["id"])] = shard
        await self._dispatch(ws, "INTERACTION_CREATE", data)


def guild_payload(guild_id: str) -> dict[str, Any]:
    """A GUILD_CREATE as discord.py needs it (no members, channels or roles: briefbot uses none)."""
    return {"id": guild_id, "name": f"guild {guild_id[-4:]}", "icon": None, "owner_id": READER["id"],
            "roles": [], "emojis": [], "stickers": [], "features": [], "channels": [],
            "threads": [], "members": [], "voice_states": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "member_count": 1, "large": False, "unavailable": False, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
            "nsfw_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
            "joined_at": "2025-01-01T00:00:00Z", "system_channel_flags": 0}


def guild_on_shard(shard: int, count: int, *, start: int = 0) -> str:
    """A guild id (snowflake) whose events Discord sends over ``shard`` of ``count``."""
    for n in itertools.count(start):
        guild = (1200000000000000002 >> 22) + n
        if guild % count == shard:
            return str(guild << 22 | 2)
    raise AssertionError("unreachable")


TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.fake.token-for-tests"  # base64("1100000000000000001")


@asynccontextmanager
async def running_bot(
    router: Any,
    monkeypatch: Any,
    *,
    guild_id: int | None = int(GUILD_ID),
    guilds: list[str] | None = None,
    connect: bool = True,
    **options: Any,
) -> AsyncIterator[tuple[FakeDiscord, Any]]:
    """The real discord.py client, logged in and READY against a fresh fake; closed afterwards.
    ``guilds``: the servers the fake's READY lists; ``connect=False``: logged in, REST only (not
    waited for READY); ``shards=Shards(...)`` (in ``options``): the sharded client."""
    import discord

    from adapters.discord.runner import DiscordRunner, make_client
    from bot.config import DiscordConfig

    fake = FakeDiscord()
    fake.guilds = list(guilds or [])
    await fake.start()
    # Both endpoints are process-wide class attributes: monkeypatch restores them after the test.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    config = DiscordConfig(guild_id=guild_id, api_base_url=fake.api_base,
                           gateway_url=fake.gateway_url)
    options.setdefault("guild_ready_timeout", 0.01)
    client = make_client(router, config, **options)
    runner = DiscordRunner(client)
    try:
        await runner.start(TOKEN, connect=connect)
        if connect:
            await asyncio.wait_for(client.wait_until_ready(), 10)
        yield fake, runner
    finally:
        await runner.stop()
        await fake.close()
