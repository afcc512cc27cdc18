"""A fake Slack on 127.0.0.1: Web API, response_url endpoints and the Socket Mode websocket.

It is strict where real Slack is strict and the adapter could get it wrong: Block Kit limits
(``invalid_blocks``), tokens (``invalid_auth``), channel membership (``not_in_channel``), and the
five-posts limit of a ``response_url``. Faults are injected per method with ``fail_next``.
Everything the app sends is recorded and can be awaited through queues, so tests never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_TEXT = 40_000
RESPONSE_URL_POSTS = 5


def block_errors(blocks: Any) -> list[str]:
    """What Slack would say about ``blocks`` (an empty list: valid)."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    errors: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        where = f"/blocks/{i}"
        kind = block.get("type")
        if kind == "header":
            errors += _text_errors(block.get("text"), where + "/text", MAX_HEADER_TEXT,
                                   plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"must provide text or fields [{where}]")
            if "text" in block:
                errors += _text_errors(block["text"], where + "/text", MAX_SECTION_TEXT)
            for j, f in enumerate(block.get("fields", [])):
                errors += _text_errors(f, f"{where}/fields/{j}", 2000)
            if len(block.get("fields", [])) > 10:
                errors.append(f"no more than 10 items allowed [{where}/fields]")
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                errors.append(f"1 to {MAX_CONTEXT_ELEMENTS} elements required [{where}]")
            for j, el in enumerate(elements):
                errors += _text_errors(el, f"{where}/elements/{j}", MAX_SECTION_TEXT)
        elif kind == "divider":
            pass
        else:
            errors.append(f"unsupported block type {kind!r} [{where}]")
    return errors


def _text_errors(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"must be a text object [{where}]"]
    if plain_only and obj["type"] != "plain_text":
        return [f"must be plain_text [{where}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [{where}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [{where}/text]"]
    return []


@dataclass
class Envelope:
    """A Socket Mode request sent to the app and the ack that came back."""

    envelope_id: str
    payload: dict[str, Any]
    ack: asyncio.Future[dict[str, Any]] = field(default_factory=asyncio.Future)


class FakeSlack:
    def __init__(self, *, bot_token: str = "xoxb-test", app_token: str = "xapp-test") -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = "T0001"
        self.bot_user_id = "U0BOT"
        self.port = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.posted: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.responses: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.rejected: list[tuple[str, list[str]]] = []
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)  # newest last
        self.members: set[str] = {"C0GENERAL"}  # channels the bot is in
        self.public: set[str] = {"C0GENERAL", "C0PUBLIC"}
        self.users: dict[str, dict[str, Any]] = {}
        self.faults: dict[str, list[list[Any]]] = defaultdict(list)
        self.response_url_posts: dict[str, int] = defaultdict(int)
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()  # set when the last socket closes
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._pending: dict[str, Envelope] = {}
        # Slack sends each envelope over one of the open connections: here in turn
        self._turn = itertools.count()
        self.delivered_over: dict[str, list[int]] = defaultdict(list)  # envelope -> sockets
        self.acks: dict[str, list[dict[str, Any]]] = defaultdict(list)  # envelope -> acks
        self.last_envelope: dict[str, Any] | None = None
        self._runner: web.AppRunner | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_get("/link/", self._socket)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test helpers -----------------------------------------------------------------------------

    def add_user(self, user_id: str, *, admin: bool = False, name: str = "") -> None:
        self.users[user_id] = {"id": user_id, "name": name or user_id.lower(),
                               "is_admin": admin, "is_owner": False, "is_primary_owner": False}

    def fail_next(self, method: str, kind: str, value: Any = None, *, after: int = 0) -> None:
        """kinds: ``429`` (value: Retry-After), ``error`` (value: Slack error code),
        ``disconnect_after_post`` (store the message, then drop the connection), ``disconnect``
        (drop the connection before doing anything). ``after``: let that many calls through
        first."""
        self.faults[method].append([kind, value, after])

    def messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.history[channel])

    def method_calls(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args in self.calls if name == method]

    async def send_command(
        self, command: str, text: str = "", *, user_id: str = "U0USER",
        channel_id: str = "C0GENERAL", within: float = 5.0,
    ) -> dict[str, Any]:
        """Deliver a slash command over Socket Mode and return the ack payload."""
        await asyncio.wait_for(self.connected.wait(), within)
        env_id = f"env-{next(self._ids)}"
        rid = f"r{next(self._ids)}"
        payload = {
            "token": "legacy", "team_id": self.team_id, "team_domain": "fake",
            "channel_id": channel_id, "channel_name": channel_id.lower(), "user_id": user_id,
            "user_name": user_id.lower(), "command": command, "text": text,
            "api_app_id": "A0APP", "is_enterprise_install": "false",
            "response_url": f"{self.base}/response/{rid}", "trigger_id": f"t{env_id}",
        }
        message = {"envelope_id": env_id, "type": "slash_commands", "payload": payload,
                   "accepts_response_payload": True, "retry_attempt": 0, "retry_reason": ""}
        return await self._deliver(message, within)

    async def redeliver_last(self, *, within: float = 5.0) -> dict[str, Any]:
        """Send the last envelope again, over the next connection, as Slack does when it missed
        the ack (``retry_attempt`` 1, ``retry_reason`` "timeout"); returns the second ack."""
        assert self.last_envelope is not None
        again = {**self.last_envelope, "retry_attempt": 1, "retry_reason": "timeout"}
        return await self._deliver(again, within)

    async def _deliver(self, message: dict[str, Any], within: float) -> dict[str, Any]:
        """Over one open connection (each in turn), then wait for the ack."""
        index = next(self._turn) % len(self._sockets)
        env_id = message["envelope_id"]
        envelope = Envelope(env_id, message["payload"])
        self._pending[env_id] = envelope
        self.last_envelope = message
        self.delivered_over[env_id].append(index)
        await self._sockets[index].send_json(message)
        ack = await asyncio.wait_for(envelope.ack, within)
        self.acks[env_id].append(ack)
        self._check_message("socket_ack", ack)
        return ack

    async def wait_connections(self, count: int, within: float = 10.0) -> None:
        """Until ``count`` Socket Mode connections are open (bounded)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while len(self._sockets) < count:
            if loop.time() > end:
                raise TimeoutError(f"{len(self._sockets)} of {count} connections open")
            self.connected.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.connected.wait(), max(0.0, end - loop.time()))
        self.connected.set()

    def _check_message(self, where: str, body: dict[str, Any]) -> list[str]:
        errors = block_errors(body.get("blocks"))
        if len(body.get("text") or "") > MAX_TEXT:
            errors.append("msg_too_long")
        if errors:
            self.rejected.append((where, errors))
        return errors

    # --- Web API ----------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        self.calls.append((method, args))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return _json({"ok": False, "error": "invalid_auth"})
        if self.faults[method] and self.faults[method][0][2] > 0:
            self.faults[method][0][2] -= 1
        elif self.faults[method]:
            kind, value, _ = self.faults[method].pop(0)
            if kind == "429":
                return _json({"ok": False, "error": "ratelimited"}, status=429,
                             headers={"Retry-After": str(value)})
            if kind == "error":
                return _json({"ok": False, "error": value})
            if kind == "disconnect":
                return _drop(request)
            if kind == "disconnect_after_post":
                self._post_message(args)
                return _drop(request)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _json({"ok": False, "error": "unknown_method"})
        return _json(handler(args))

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "briefbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": "B0BOT"}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket=t1"}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.members and channel not in self.public:
            return {"ok": False, "error": "channel_not_found"}
        if channel not in self.members and channel in self.public:
            pass  # chat:write.public lets the bot post in public channels it has not joined
        errors = self._check_message("chat.postMessage", args)
        if errors:
            return {"ok": False, "error": "invalid_blocks", "errors": errors}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        message = self._post_message(args)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        ts = f"1700000000.{next(self._ts):06d}"
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        message: dict[str, Any] = {"type": "message", "ts": ts, "user": self.bot_user_id,
                                   "bot_id": "B0BOT", "text": args.get("text", ""),
                                   "blocks": blocks or []}
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        self.history[channel].append(message)
        self.posted.put_nowait({"channel": channel, **message})
        return message

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.members:
            error = "not_in_channel" if channel in self.public else "channel_not_found"
            return {"ok": False, "error": error}
        include_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(args.get("limit", 100))
        cursor = int(args.get("cursor") or 0)
        newest_first = list(reversed(self.history[channel]))
        page = newest_first[cursor:cursor + limit]
        messages = []
        for stored in page:
            m = dict(stored)
            if not include_meta:
                m.pop("metadata", None)
            messages.append(m)
        more = cursor + limit < len(newest_first)
        return {"ok": True, "messages": messages, "has_more": more,
                "response_metadata": {"next_cursor": str(cursor + limit) if more else ""}}

    # --- response_url -----------------------------------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.StreamResponse:
        rid = request.match_info["rid"]
        body = await request.json()
        self.response_url_posts[rid] += 1
        if self.response_url_posts[rid] > RESPONSE_URL_POSTS:
            self.rejected.append(("response_url", ["used_url"]))
            return web.Response(status=404, text="used_url")
        errors = self._check_message("response_url", body)
        if errors:
            return web.Response(status=400, text="invalid_blocks")
        self.responses.put_nowait({"rid": rid, **body})
        return web.Response(text="ok")

    # --- Socket Mode ------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.disconnected.clear()
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                            "connection_info": {"app_id": "A0APP"}})
        self.connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                envelope = self._pending.pop(data.get("envelope_id", ""), None)
                if envelope is not None and not envelope.ack.done():
                    envelope.ack.set_result(data.get("payload") or {})
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self.connected.clear()
                self.disconnected.set()
        return ws


def _json(body: dict[str, Any], *, status: int = 200,
          headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, headers=headers,
                        content_type="application/json")


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without answering: the client cannot know what happened."""
    assert request.transport is not None
    request.transport.abort()
    raise asyncio.CancelledError


# --- helpers for tests ----------------------------------------------------------------------------


def texts(message: dict[str, Any]) -> list[str]:
    """Every text a message shows, block by block (headers, sections, context elements)."""
    out = []
    for block in message.get("blocks") or []:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [el.get("text", "") for el in block.get("elements", [])]
    return out


def all_text(message: dict[str, Any]) -> str:
    return "\n".join(texts(message))


def signed_headers(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """What Slack sends with an HTTP request: ``v0=`` HMAC-SHA256 of ``v0:{ts}:{body}``."""
    import hashlib
    import hmac

    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}
