"""The command router: the one surface every adapter (console, Discord, Slack) talks to.

Adapters build their platform commands from ``commands()`` and pass neutral ``CommandRequest``s to
``handle()``. The text form (``/claims status:disputed claimant:Sam Altman page:2``) is parsed here
once, for the console and Slack, by one rule: a value runs to the next ``key:``, quotes optional.
Every word a reply carries is in the community's language (``/language``, else ``[bot] language``).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.answers.feeds import feeds_spec
from bot.config import Config
from bot.delivery.subscriptions import LiveRoute
from bot.errors import BriefbotError, CommandError, PermissionDenied
from bot.feeds.manage import community_key
from bot.i18n import LANGUAGES, label, phrase
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
    """What the router needs from the core; ``bot.answers.CoreAnswers`` implements it. Each answer
    is written in ``language``."""

    async def topic_briefing(self, topic: str, *, language: str, community: str) -> Reply: ...
    async def claims(
        self, *, claimant: str | None, status: str | None, topic: str | None, page: int,
        language: str, community: str,
    ) -> Reply: ...
    async def digest(self, *, topic: str | None, language: str, community: str) -> Reply: ...
    async def sources(self, *, language: str, community: str) -> Reply: ...
    async def subscriptions(self, *, platform: str, channel: str | None,
                            language: str) -> Reply: ...
    async def subscribe(
        self, *, platform: str, channel: str, time: str, timezone: str, topic: str | None,
        user: User, community: str | None = None, language: str,
    ) -> Reply: ...
    async def unsubscribe(self, *, platform: str, channel: str, topic: str | None,
                          language: str) -> Reply: ...
    async def subscribe_live(self, *, platform: str, channel: str, topic: str | None,
                             route: LiveRoute, user: User, community: str | None = None,
                             language: str) -> Reply: ...
    async def unsubscribe_live(self, *, platform: str, channel: str, topic: str | None,
                               sub_id: str | None, language: str) -> Reply: ...
    async def complete(self, source: str, prefix: str, *,
                       community: str | None = None) -> list[str]: ...
    async def language_of(self, platform: str, community: str | None) -> str | None: ...
    async def set_language(self, platform: str, community: str, language: str) -> None: ...
    async def feeds(self, *, action: str, url: str | None, name: str | None, user: User,
                    platform: str, community: str | None, language: str) -> Reply: ...


Handler = Callable[[CommandRequest], Awaitable[Reply]]


class CommandRouter:
    def __init__(self, config: Config, answers: Answers) -> None:
        self.config = config
        self.answers = answers
        self.language = config.bot.language
        self._specs = {language: self._build_specs(language) for language in LANGUAGES}
        self._by_name = {spec.name: spec for spec in self._specs[self.language]}

    # --- specs ------------------------------------------------------------------------------------

    def commands(self, language: str | None = None) -> list[CommandSpec]:
        """The command specs, described in ``language`` (default: the configured one); names,
        options and choices are the same in every language."""
        return list(self._specs.get(language or self.language, self._specs[self.language]))

    def spec(self, name: str, language: str | None = None) -> CommandSpec | None:
        if language is None or language == self.language:
            return self._by_name.get(name)
        return next((s for s in self.commands(language) if s.name == name), None)

    def _build_specs(self, language: str) -> list[CommandSpec]:
        def words(key: str) -> str:
            return label(key, language)

        topic_names = tuple(t.name for t in self.config.topics)
        topic_option = OptionSpec(
            "topic", words("opt_topic"), autocomplete="topic",
            choices=topic_names if len(topic_names) <= 25 else (),
        )
        name_word = words("usage_name")
        specs = [
            CommandSpec(
                name=t.name,
                description=_trim(phrase("cmd_topic", language, topic=t.display_name(language)),
                                  100),
                usage=f"/{t.name}",
            )
            for t in self.config.topics
        ]
        specs += [
            CommandSpec(
                "claims",
                words("cmd_claims"),
                options=(
                    OptionSpec("claimant", words("opt_claimant"), autocomplete="claimant"),
                    OptionSpec("status", words("opt_status"), choices=CLAIM_STATUSES),
                    topic_option,
                    OptionSpec("page", words("opt_page"), type=OptionType.INTEGER, min_value=1),
                ),
                usage=f"/claims [claimant:{name_word}] [status:disputed|no_evidence|hedged] "
                "[topic:T] [page:N]",
            ),
            CommandSpec("digest", words("cmd_digest"), options=(topic_option,),
                        usage="/digest [topic:T]"),
            CommandSpec("sources", words("cmd_sources"), usage="/sources"),
            CommandSpec("subscriptions", words("cmd_subscriptions"), usage="/subscriptions"),
            CommandSpec("help", words("cmd_help"), usage="/help"),
            CommandSpec(
                "subscribe",
                words("cmd_subscribe"),
                options=(
                    OptionSpec("time", words("opt_time")),
                    OptionSpec("timezone", words("opt_timezone")),
                    topic_option,
                    OptionSpec("mode", words("opt_mode")),
                    OptionSpec("feeds", words("opt_live_feeds")),
                    OptionSpec("include", words("opt_include")),
                    OptionSpec("exclude", words("opt_exclude")),
                ),
                admin_only=True,
                usage="/subscribe time:08:00 [timezone:Europe/Berlin] [topic:T] | /subscribe "
                      "mode:live [feeds:heise, tagesschau] [include:DeepSeek] [exclude:Börse]",
            ),
            CommandSpec(
                "unsubscribe",
                words("cmd_unsubscribe"),
                options=(topic_option,
                         OptionSpec("mode", words("opt_unsubscribe_mode")),
                         OptionSpec("id", words("opt_id"))),
                admin_only=True,
                usage="/unsubscribe [topic:T] [mode:live] [id:ID]",
            ),
            CommandSpec(
                "language",
                words("cmd_language"),
                options=(OptionSpec("language", words("opt_language"), choices=LANGUAGES),),
                admin_only=True,
                usage="/language [de|en]",
            ),
            feeds_spec(language),
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
        community: str | None = None,
        language: str | None = None,
    ) -> CommandRequest:
        """Parse ``/claims status:disputed claimant:Sam Altman page:2``.

        With ``command`` given (Slack passes the command separately), ``line`` holds only the
        arguments. Words before the first ``name:`` go to the command's first text option.
        ``language``: of the error messages (default: the configured one).

        Raises:
            CommandError: unknown option, a value of the wrong type, a value not among the choices.
        """
        language = language or self.language
        text = line.strip()
        if command is None:
            if not text.startswith("/"):
                raise CommandError(label("err_slash", language))
            name, _, text = text[1:].partition(" ")
            command = name.strip().lower()
        command = command.lstrip("/").lower()
        spec = self._by_name.get(command)
        req_user = user or User(id="console", name="console", is_admin=True)
        if spec is None:
            return CommandRequest(command, {}, req_user, platform, channel, community)
        free, pairs = split_options(text)
        options: dict[str, str | int] = dict(pairs)
        if free:
            target = next((o for o in spec.options if o.type is OptionType.STRING), None)
            if target is None or target.name in options:
                raise CommandError(phrase("err_free_words", language, command=spec.name,
                                          words=repr(free), usage=spec.usage))
            options[target.name] = free
        return CommandRequest(command, self.validate(spec, options, language), req_user, platform,
                              channel, community)

    def validate(
        self, spec: CommandSpec, options: dict[str, str | int], language: str | None = None
    ) -> dict[str, str | int]:
        """The options as their types, each checked against ``spec``.

        Raises:
            CommandError: an unknown option, a bad number, a value not among the choices, a
                required option missing (in ``language``, default the configured one).
        """
        language = language or self.language
        known = {o.name: o for o in spec.options}
        out: dict[str, str | int] = {}
        for key, value in options.items():
            opt = known.get(key)
            if opt is None:
                raise CommandError(phrase(
                    "err_no_option", language, command=spec.name, option=repr(key),
                    options=", ".join(known) or label("err_none", language), usage=spec.usage))
            out[key] = _checked(opt, value, language)
        for opt in spec.options:
            if opt.required and opt.name not in out:
                raise CommandError(phrase("err_needs", language, command=spec.name,
                                          option=opt.name, usage=spec.usage))
        return out

    # --- dispatch ---------------------------------------------------------------------------------

    async def language_for(self, request: CommandRequest) -> str:
        """The community's own language (``/language``), else the configured one."""
        if request.community is None:
            return self.language
        chosen = await self.answers.language_of(request.platform, request.community)
        return chosen if chosen in LANGUAGES else self.language

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer a request. Never raises: errors become a short error reply (logged in full)."""
        language: str = self.language
        try:
            language = await self.language_for(request)
            reply = await self._answer(request, language)
        except CommandError as e:
            reply = Reply(title=str(e), ephemeral=True, is_error=True)
        except BriefbotError as e:
            log.warning("/%s failed: %s", request.command, e)
            reply = Reply(title=str(e), ephemeral=True, is_error=True)
        except Exception:
            log.exception("/%s failed", request.command)
            reply = Reply(title=label("answer_failed", language), ephemeral=True, is_error=True)
        return reply if reply.language else _in_language(reply, language)

    async def _answer(self, request: CommandRequest, language: str) -> Reply:
        spec = self._by_name.get(request.command)
        if spec is None:
            return self._help(language, title=f"{label('unknown_command', language)}: "
                                              f"/{request.command}")
        if spec.admin_only and not request.user.is_admin:
            raise PermissionDenied(phrase("err_admins", language, command=spec.name))
        options = self.validate(spec, dict(request.options), language)
        return await self._dispatch(spec, options, request, language)

    async def _dispatch(
        self, spec: CommandSpec, options: dict[str, str | int], request: CommandRequest,
        language: str,
    ) -> Reply:
        def opt(name: str) -> str | None:
            value = options.get(name)
            return str(value) if value is not None else None

        topic = opt("topic")
        if topic is not None and self.config.topic(topic) is None:
            names = ", ".join(t.name for t in self.config.topics)
            raise CommandError(phrase("err_unknown_topic", language, topic=repr(topic),
                                      topics=names))
        name = spec.name
        where = community_key(request.platform, request.community)  # what it may read
        if self.config.topic(name) is not None:
            return await self.answers.topic_briefing(name, language=language, community=where)
        if name == "claims":
            return await self.answers.claims(
                claimant=opt("claimant"), status=opt("status"), topic=topic,
                page=int(options.get("page", 1)), language=language, community=where,
            )
        if name == "digest":
            return await self.answers.digest(topic=topic, language=language, community=where)
        if name == "sources":
            return await self.answers.sources(language=language, community=where)
        if name == "subscriptions":
            return await self.answers.subscriptions(platform=request.platform,
                                                    channel=request.channel, language=language)
        if name == "feeds":
            return await self.answers.feeds(
                action=opt("action") or "list", url=opt("url"), name=opt("name"),
                user=request.user, platform=request.platform, community=request.community,
                language=language)
        if name == "help":
            return self._help(language, title=label("help", language))
        if name == "language":
            return await self._language(request, opt("language"), language)
        if request.channel is None:
            raise CommandError(phrase("err_in_channel", language, command=name))
        live = await self._live_command(name, opt, platform=request.platform,
                                        channel=request.channel, topic=topic, user=request.user,
                                        community=request.community, language=language)
        if live is not None:
            return live
        if name == "subscribe":
            return await self.answers.subscribe(
                platform=request.platform, channel=request.channel, time=opt("time") or "",
                timezone=opt("timezone") or "UTC", topic=topic, user=request.user,
                community=request.community, language=language,
            )
        if name == "unsubscribe":
            return await self.answers.unsubscribe(
                platform=request.platform, channel=request.channel, topic=topic,
                language=language)
        raise CommandError(phrase("err_not_available", language, command=name))

    async def _live_command(self, name: str, opt: Callable[[str], str | None], *, platform: str,
                            channel: str, topic: str | None, user: User,
                            community: str | None = None, language: str = "en") -> Reply | None:
        """/subscribe mode:live and /unsubscribe mode:live|id:…; None for a digest command."""
        if name == "subscribe" and (opt("mode") or "digest").strip() == "live":
            if opt("time") or opt("timezone"):
                raise CommandError(label("live_no_time", language))
            route = LiveRoute(feeds=_words(opt("feeds")), include=_words(opt("include")),
                              exclude=_words(opt("exclude")))
            return await self.answers.subscribe_live(platform=platform,
                                                     channel=channel, topic=topic,
                                                     route=route, user=user, community=community,
                                                     language=language)
        if name == "subscribe" and (opt("mode") or "digest").strip() != "digest":
            raise CommandError(phrase("sub_bad_mode", language, mode=opt("mode")))
        if name == "unsubscribe" and ((opt("mode") or "").strip() == "live" or opt("id")):
            return await self.answers.unsubscribe_live(
                platform=platform, channel=channel, topic=topic,
                sub_id=(opt("id") or "").strip() or None, language=language)
        if name == "subscribe" and not opt("time"):
            raise CommandError(label("sub_needs_time", language))
        return None


    async def _language(self, request: CommandRequest, chosen: str | None, current: str) -> Reply:
        """``/language``: says the community's language; with a value, stores it (admins: the
        spec is admin only, checked like /subscribe)."""
        if chosen is None:
            return Reply(title=label("language_is", current), language=current)
        community = request.community or request.channel
        if community is None:
            raise CommandError(phrase("err_in_channel", current, command="language"))
        await self.answers.set_language(request.platform, community, chosen)
        return Reply(title=label("language_set", chosen), language=chosen)

    def _help(self, language: str, *, title: str) -> Reply:
        bullets = tuple(
            f"{spec.usage or '/' + spec.name} — {spec.description}"
            for spec in self.commands(language)
        )
        return Reply(title=title, sections=(Section(heading="", bullets=bullets),),
                     language=language)

    async def autocomplete(self, source: str, prefix: str, *, platform: str | None = None,
                           community: str | None = None) -> list[str]:
        """Up to 25 suggestions for an option with an autocomplete source, from what the
        asking community reads (no platform: the operator, who reads everything)."""
        if source == "topic":
            names = [t.name for t in self.config.topics]
            return [n for n in names if n.startswith(prefix.lower())][:25]
        where = community_key(platform, community) if platform else None
        return (await self.answers.complete(source, prefix, community=where))[:25]


# A key is a word followed by ":" at the start or after a space; a value runs to the next key.
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z][\w-]*):")
_QUOTE_PAIRS = {'"': '"', "'": "'", "„": "“", "“": "”", "«": "»", "‚": "‘"}


def split_options(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``Musk status:disputed claimant:Sam Altman`` -> ("Musk", [("status", "disputed"),
    ("claimant", "Sam Altman")]): the one rule of every platform. A value runs to the next
    ``key:`` and may be quoted (then it runs to its closing quote and may hold ``key:``)."""
    pairs: list[tuple[str, str]] = []
    first = _KEY.search(text)
    free = _unquote(text[: first.start()] if first else text)
    position = first.start() if first else len(text)
    while position < len(text):
        match = _KEY.match(text, position)
        if match is None:  # only spaces are left
            break
        start = match.end()
        closing = _QUOTE_PAIRS.get(text[start:start + 1])
        end = text.find(closing, start + 1) if closing else -1
        if closing and end != -1:
            value, position = text[start + 1:end], end + 1
        else:
            following = _KEY.search(text, start)
            position = following.start() if following else len(text)
            value = _unquote(text[start:position])
        pairs.append((match.group(1).lower(), value.strip()))
        while position < len(text) and text[position].isspace():
            position += 1
    return free, pairs


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and _QUOTE_PAIRS.get(value[0]) == value[-1]:
        return value[1:-1].strip()
    return value


def _checked(opt: OptionSpec, value: str | int, language: str) -> str | int:
    """One option's value as its type.

    Raises:
        CommandError: not a whole number, below the minimum, not among the choices.
    """
    if opt.type is OptionType.INTEGER:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise CommandError(phrase("err_whole_number", language, option=opt.name,
                                      value=repr(value))) from None
        if opt.min_value is not None and number < opt.min_value:
            raise CommandError(phrase("err_at_least", language, option=opt.name,
                                      minimum=opt.min_value))
        return number
    text = str(value).strip()
    if opt.choices and text not in opt.choices:
        raise CommandError(phrase("err_one_of", language, option=opt.name,
                                  choices=", ".join(opt.choices), value=repr(text)))
    return text


def _in_language(reply: Reply, language: str) -> Reply:
    return dataclasses.replace(reply, language=language)


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _words(value: str | None) -> tuple[str, ...]:
    """A comma-separated option as its entries (``feeds:heise, tagesschau``)."""
    return tuple(w.strip() for w in (value or "").split(",") if w.strip())
