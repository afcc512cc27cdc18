"""The command router: the one surface every adapter (console, Discord, Slack) talks to.

Adapters build their platform commands from ``commands()`` and pass neutral ``CommandRequest``s to
``handle()``. The text form (``/claims status:disputed claimant:Musk page:2``) is parsed here once, for
the console and Slack.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.config import Config
from bot.delivery.subscriptions import LiveRoute
from bot.errors import BriefbotError, CommandError, PermissionDenied
from bot.i18n import label
from bot.model import (
    CommandRequest,
    CommandSpec,
    OptionSpec,
    OptionType,
    Platform,
    Reply,
    Section,
    User,
)

log = logging.getLogger(__name__)

CLAIM_STATUSES = ("disputed", "no_evidence", "hedged")


class Answers(Protocol):
    """What the router needs from the core; ``bot.answers.CoreAnswers`` implements it."""

    async def topic_briefing(self, topic: str) -> Reply: ...
    async def claims(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int
    ) -> Reply: ...
    async def digest(self, *, topic: str | None) -> Reply: ...
    async def sources(self) -> Reply: ...
    async def subscriptions(self, *, platform: str, channel: str | None) -> Reply: ...
    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User,
    ) -> Reply: ...
    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None) -> Reply: ...
    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User) -> Reply: ...
    async def unsubscribe_live(self, *, platform: str, channel: str, topic: str | None,
                               sub_id: str | None) -> Reply: ...
    async def complete(self, source: str, prefix: str) -> list[str]: ...


Handler = Callable[[CommandRequest], Awaitable[Reply]]


class CommandRouter:
    def __init__(self, config: Config, answers: Answers) -> None:
        self.config = config
        self.answers = answers
        self.language = config.bot.language
        self._specs = self._build_specs()
        self._by_name = {spec.name: spec for spec in self._specs}

    # --- specs ------------------------------------------------------------------------------------

    def commands(self) -> list[CommandSpec]:
        return list(self._specs)

    def spec(self, name: str) -> CommandSpec | None:
        return self._by_name.get(name)

    def _build_specs(self) -> list[CommandSpec]:
        topic_names = tuple(t.name for t in self.config.topics)
        topic_option = OptionSpec(
            "topic", "Limit to one topic", autocomplete="topic",
            choices=topic_names if len(topic_names) <= 25 else (),
        )
        specs = [
            CommandSpec(
                name=t.name,
                description=_trim(f"Briefing: {t.description or t.name}", 100),
                usage=f"/{t.name}",
            )
            for t in self.config.topics
        ]
        specs += [
            CommandSpec(
                "claims",
                "Who claims what, hedged or not, with what evidence, disputed by whom",
                options=(
                    OptionSpec("claimant", "Only claims by this person or organization",
                               autocomplete="claimant"),
                    OptionSpec("status", "Only disputed, unsupported or hedged claims",
                               choices=CLAIM_STATUSES),
                    topic_option,
                    OptionSpec("page", "Page number", type=OptionType.INTEGER, min_value=1),
                ),
                usage="/claims [claimant:NAME] [status:disputed|no_evidence|hedged] "
                "[topic:T] [page:N]",
            ),
            CommandSpec("digest", "The current daily digest", options=(topic_option,),
                        usage="/digest [topic:T]"),
            CommandSpec("sources", "Feeds and seeds with their health", usage="/sources"),
            CommandSpec("subscriptions", "Scheduled digests with their next time and last result",
                        usage="/subscriptions"),
            CommandSpec("help", "What briefbot can do", usage="/help"),
            CommandSpec(
                "subscribe",
                "Send the daily digest to this channel (admins)",
                options=(
                    OptionSpec("time", "Digests: local time, HH:MM"),
                    OptionSpec("timezone", "Digests: IANA time zone, e.g. Europe/Berlin (default UTC)"),
                    topic_option,
                    OptionSpec("mode", "digest (daily, the default) or live (each new item)"),
                    OptionSpec("feeds", "Live: feed names, comma-separated (default: all)"),
                    OptionSpec("include", "Live: words an item needs one of, comma-separated"),
                    OptionSpec("exclude", "Live: words that leave an item out, comma-separated"),
                ),
                admin_only=True,
                usage="/subscribe time:08:00 [timezone:Europe/Berlin] [topic:T] | /subscribe "
                      "mode:live [feeds:heise, tagesschau] [include:DeepSeek] [exclude:Börse]",
            ),
            CommandSpec(
                "unsubscribe",
                "Stop the daily digest or a live subscription in this channel (admins)",
                options=(topic_option,
                         OptionSpec("mode", "digest (the default) or live"),
                         OptionSpec("id", "The subscription id /subscriptions shows")),
                admin_only=True,
                usage="/unsubscribe [topic:T] [mode:live] [id:ID]",
            ),
        ]
        return specs

    # --- text form --------------------------------------------------------------------------------

    def parse_text(
        self,
        line: str,
        *,
        user: User | None = None,
        platform: str = Platform.CONSOLE,
        channel: str | None = None,
        command: str | None = None,
    ) -> CommandRequest:
        """Parse ``/claims status:disputed claimant:"Sam Altman" page:2``.

        With ``command`` given (Slack passes the command separately), ``line`` holds only the
        arguments. Free words without a ``name:`` go to the command's first text option.

        Raises:
            CommandError: unknown option, a value of the wrong type, a value not among the choices.
        """
        text = line.strip()
        if command is None:
            if not text.startswith("/"):
                raise CommandError("Commands start with /, e.g. /help")
            name, _, text = text[1:].partition(" ")
            command = name.strip().lower()
        command = command.lstrip("/").lower()
        spec = self._by_name.get(command)
        req_user = user or User(id="console", name="console", is_admin=True)
        if spec is None:
            return CommandRequest(command, {}, req_user, platform, channel)
        options: dict[str, str | int] = {}
        free: list[str] = []
        pattern = re.compile(r"(\w+):(?:\"([^\"]*)\"|'([^']*)'|„([^“]*)“|(\S+))|(\S+)")
        for m in pattern.finditer(text):
            if m.group(6) is not None:
                free.append(m.group(6))
                continue
            key = m.group(1).lower()
            value = next(g for g in m.groups()[1:5] if g is not None)
            options[key] = value
        if free:
            target = next((o for o in spec.options if o.type is OptionType.STRING), None)
            if target is None or target.name in options:
                raise CommandError(
                    f"/{spec.name} does not take {' '.join(free)!r}; usage: {spec.usage}"
                )
            options[target.name] = " ".join(free).strip("\"'")
        return CommandRequest(command, self.validate(spec, options), req_user, platform, channel)

    def validate(self, spec: CommandSpec, options: dict[str, str | int]) -> dict[str, str | int]:
        known = {o.name: o for o in spec.options}
        out: dict[str, str | int] = {}
        for key, value in options.items():
            opt = known.get(key)
            if opt is None:
                valid = ", ".join(known) or "none"
                raise CommandError(
                    f"/{spec.name} has no option {key!r} (options: {valid}); usage: {spec.usage}"
                )
            if opt.type is OptionType.INTEGER:
                try:
                    number = int(value)
                except (TypeError, ValueError):
                    raise CommandError(f"{key} must be a whole number, got {value!r}") from None
                if opt.min_value is not None and number < opt.min_value:
                    raise CommandError(f"{key} must be at least {opt.min_value}")
                out[key] = number
                continue
            sval = str(value).strip()
            if opt.choices and sval not in opt.choices:
                raise CommandError(
                    f"{key} must be one of {', '.join(opt.choices)}, got {sval!r}"
                )
            out[key] = sval
        for opt in spec.options:
            if opt.required and opt.name not in out:
                raise CommandError(f"/{spec.name} needs {opt.name}; usage: {spec.usage}")
        return out

    # --- dispatch ---------------------------------------------------------------------------------

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer a request. Never raises: errors become a short error reply (logged in full)."""
        spec = self._by_name.get(request.command)
        if spec is None:
            return self._help(
                title=f"{label('unknown_command', self.language)}: /{request.command}"
            )
        try:
            if spec.admin_only and not request.user.is_admin:
                raise PermissionDenied(f"/{spec.name} is for server or workspace admins only.")
            options = self.validate(spec, dict(request.options))
            return await self._dispatch(spec, options, request)
        except CommandError as e:
            return Reply(title=str(e), ephemeral=True, is_error=True)
        except BriefbotError as e:
            log.warning("/%s failed: %s", request.command, e)
            return Reply(title=str(e), ephemeral=True, is_error=True)
        except Exception:
            log.exception("/%s failed", request.command)
            return Reply(
                title="Something went wrong while answering; the details are in the bot's log.",
                ephemeral=True,
                is_error=True,
            )

    async def _dispatch(
        self, spec: CommandSpec, options: dict[str, str | int], request: CommandRequest
    ) -> Reply:
        def opt(name: str) -> str | None:
            value = options.get(name)
            return str(value) if value is not None else None

        topic = opt("topic")
        if topic is not None and self.config.topic(topic) is None:
            names = ", ".join(t.name for t in self.config.topics)
            raise CommandError(f"unknown topic {topic!r}; topics: {names}")
        name = spec.name
        if self.config.topic(name) is not None:
            return await self.answers.topic_briefing(name)
        if name == "claims":
            page = options.get("page", 1)
            return await self.answers.claims(
                claimant=opt("claimant"), status=opt("status"), topic=topic,
                page=int(page),
            )
        if name == "digest":
            return await self.answers.digest(topic=topic)
        if name == "sources":
            return await self.answers.sources()
        if name == "subscriptions":
            return await self.answers.subscriptions(platform=request.platform,
                                                    channel=request.channel)
        if name == "help":
            return self._help(title=label("help", self.language))
        if request.channel is None:
            raise CommandError(f"/{name} works in a channel")
        live = await self._live_command(name, opt, platform=request.platform,
                                        channel=request.channel, topic=topic, user=request.user)
        if live is not None:
            return live
        if name == "subscribe":
            return await self.answers.subscribe(
                platform=request.platform, channel=request.channel, time=opt("time") or "",
                timezone=opt("timezone") or "UTC", topic=topic, user=request.user,
            )
        if name == "unsubscribe":
            return await self.answers.unsubscribe(
                platform=request.platform, channel=request.channel, topic=topic
            )
        raise CommandError(f"/{name} is not available")

    async def _live_command(self, name: str, opt: Callable[[str], str | None], *, platform: str,
                            channel: str, topic: str | None, user: User) -> Reply | None:
        """/subscribe mode:live and /unsubscribe mode:live|id:…; None for a digest command."""
        if name == "subscribe" and (opt("mode") or "digest").strip() == "live":
            if opt("time") or opt("timezone"):
                raise CommandError("time: and timezone: apply only to digests; a live "
                                   "subscription posts each item as it arrives")
            route = LiveRoute(feeds=_words(opt("feeds")), include=_words(opt("include")),
                              exclude=_words(opt("exclude")))
            return await self.answers.subscribe_live(platform=platform,
                                                     channel=channel, topic=topic,
                                                     route=route, user=user)
        if name == "subscribe" and (opt("mode") or "digest").strip() != "digest":
            raise CommandError(f"mode:{opt('mode')} is not a mode; write mode:digest or mode:live")
        if name == "unsubscribe" and ((opt("mode") or "").strip() == "live" or opt("id")):
            return await self.answers.unsubscribe_live(
                platform=platform, channel=channel, topic=topic,
                sub_id=(opt("id") or "").strip() or None)
        if name == "subscribe" and not opt("time"):
            raise CommandError("a digest needs a time, e.g. /subscribe time:08:00 "
                               "timezone:Europe/Berlin (or mode:live for each new item)")
        return None

    def _help(self, *, title: str) -> Reply:
        bullets = tuple(
            f"{spec.usage or '/' + spec.name} — {spec.description}" for spec in self._specs
        )
        return Reply(title=title, sections=(Section(heading=label("help", self.language),
                                                    bullets=bullets),))

    async def autocomplete(self, source: str, prefix: str) -> list[str]:
        """Up to 25 suggestions for an option with an autocomplete source."""
        if source == "topic":
            names = [t.name for t in self.config.topics]
            return [n for n in names if n.startswith(prefix.lower())][:25]
        return (await self.answers.complete(source, prefix))[:25]


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(value: str | None) -> tuple[str, ...]:
    """A comma-separated option as its entries (``feeds:heise, tagesschau``)."""
    return tuple(w.strip() for w in (value or "").split(",") if w.strip())
