"""The Discord client: slash commands built from the router's specs, answered within 3 seconds.

The client is thin: it turns an interaction into a neutral ``CommandRequest``, asks the router, and
renders the ``Reply``. Commands answer at once when the router is fast and defer ("thinking...")
when it is not, then edit. Errors reach the user as one short ephemeral sentence; tracebacks go to
the log only. Every message carries ``allowed_mentions`` that parse nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Optional, Protocol

import discord
import yarl
from discord import app_commands
from discord.utils import MISSING

from adapters.discord.publisher import DiscordPublisher
from adapters.discord.render import render
from bot.config import DiscordConfig
from bot.i18n import label
from bot.model import CommandRequest, CommandSpec, OptionSpec, OptionType, Reply, User

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


class Router(Protocol):
    """What the client needs from the core (``bot.commands.CommandRouter`` implements it)."""

    def commands(self, language: str | None = None) -> list[CommandSpec]: ...
    async def handle(self, request: CommandRequest) -> Reply: ...
    async def autocomplete(self, source: str, prefix: str, *, platform: str | None = None,
                           community: str | None = None) -> list[str]: ...


def configure_endpoints(config: DiscordConfig) -> None:
    """Point discord.py at ``[discord] api_base_url`` / ``gateway_url`` (process-wide settings)."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


# Discord locales that read each of briefbot's languages.
LOCALES: dict[discord.Locale, str] = {
    discord.Locale.german: "de",
    discord.Locale.american_english: "en",
    discord.Locale.british_english: "en",
}


class SpecTranslator(app_commands.Translator):
    """Command and option descriptions in every language of the label table, as Discord
    localisations: a German client reads the German description, an English one the English,
    whatever ``[bot] language`` is. Names and choices stay as they are (people type them)."""

    def __init__(self, router: Router) -> None:
        self.texts: dict[str, dict[str, str]] = {}
        for language in set(LOCALES.values()):
            table = self.texts.setdefault(language, {})
            for spec in router.commands(language):
                table[spec.name] = spec.description[:100]
                for option in spec.options:
                    table[f"{spec.name}.{option.name}"] = option.description[:100]

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        language = LOCALES.get(locale)
        key = string.extras.get("key")
        if language is None or key is None:
            return None
        return self.texts.get(language, {}).get(str(key))


Runner = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
Completer = Callable[[str], Callable[..., Awaitable[list[app_commands.Choice[str]]]]]


def _annotation(option: OptionSpec) -> Any:
    if option.choices:
        base: Any = Literal[option.choices]
    elif option.type is OptionType.INTEGER:
        low = option.min_value
        base = app_commands.Range[int, low, None] if low is not None else int
    else:
        base = str
    return base if option.required else Optional[base]  # noqa: UP045 (a runtime annotation)


def build_command(
    spec: CommandSpec, run: Runner, completer: Completer, *, guild_only: bool = True
) -> app_commands.Command[Any, ..., None]:
    """An app command whose parameters mirror ``spec.options`` (built as a signature at runtime)."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        await run(interaction, spec, options)

    params = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=discord.Interaction)
    ]
    descriptions: dict[str, app_commands.locale_str] = {}
    autocompletes: dict[str, Any] = {}
    for option in spec.options:
        params.append(inspect.Parameter(
            option.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(option),
            default=inspect.Parameter.empty if option.required else None,
        ))
        descriptions[option.name] = app_commands.locale_str(
            option.description[:100] or option.name, key=f"{spec.name}.{option.name}")
        if option.autocomplete and not option.choices:  # Discord allows one or the other
            autocompletes[option.name] = completer(option.autocomplete)
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    if autocompletes:
        callback.__discord_app_commands_param_autocomplete__ = autocompletes  # type: ignore[attr-defined]
    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=spec.name, callback=callback,
        description=app_commands.locale_str(spec.description[:100] or spec.name, key=spec.name),
    )
    if spec.admin_only and guild_only:  # Discord sets permissions on whole commands only
        command.default_permissions = ADMIN_PERMISSIONS
        command.guild_only = True
    return command


def build_group(spec: CommandSpec, run: Runner, completer: Completer) -> app_commands.Group:
    """A command with subcommands (``/feeds add``): each subcommand runs ``spec`` with its name
    as the spec's first option (the text form's first word), so the router sees one command."""
    group = app_commands.Group(name=spec.name, description=spec.description[:100] or spec.name)
    action = spec.options[0].name
    for sub in spec.subcommands:
        async def run_sub(interaction: discord.Interaction, _spec: CommandSpec,
                          options: dict[str, Any], _name: str = sub.name) -> None:
            await run(interaction, spec, {action: _name, **options})

        group.add_command(build_command(sub, run_sub, completer, guild_only=False))
    if any(sub.admin_only for sub in spec.subcommands):
        group.guild_only = True  # the router checks the admin rule of each subcommand
    return group


class BriefbotClient(discord.Client):
    def __init__(
        self,
        router: Router,
        *,
        config: DiscordConfig | None = None,
        language: str = "en",
        defer_after: float = 0.5,
        guild_ready_timeout: float = 2.0,
        max_ratelimit_timeout: float = 60.0,
        **client_options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=max_ratelimit_timeout,
            guild_ready_timeout=guild_ready_timeout,
            **client_options,
        )
        self.router = router
        self.config = config or DiscordConfig()
        self.language = language
        self.defer_after = defer_after
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.specs = {spec.name: spec for spec in router.commands()}
        for spec in self.specs.values():
            if spec.subcommands:
                self.tree.add_command(build_group(spec, self._run_command, self._completer))
            else:
                self.tree.add_command(build_command(spec, self._run_command, self._completer))
        self.publisher = DiscordPublisher(self, language=language)
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        """Sync commands: to ``guild_id`` when set (instant), else globally (up to an hour)."""
        await self.tree.set_translator(SpecTranslator(self.router))
        guild = discord.Object(id=self.config.guild_id) if self.config.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        self.synced = await self.tree.sync(guild=guild)
        log.info("synced %d Discord commands %s", len(self.synced),
                 f"to guild {self.config.guild_id}" if guild else "globally")

    # --- commands ---------------------------------------------------------------------------------

    def _completer(self, source: str) -> Callable[..., Awaitable[list[app_commands.Choice[str]]]]:
        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            try:
                guild = str(interaction.guild_id) if interaction.guild_id else None
                names = await self.router.autocomplete(source, current or "", platform="discord",
                                                       community=guild)
            except Exception:
                log.exception("autocomplete %s failed", source)
                return []
            return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]

        return complete

    def request_for(
        self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]
    ) -> CommandRequest:
        user = interaction.user
        is_admin = interaction.guild_id is not None and interaction.permissions.manage_guild
        return CommandRequest(
            command=spec.name,
            options={k: v for k, v in options.items() if v is not None},
            user=User(id=str(user.id), name=user.name, is_admin=is_admin),
            platform="discord",
            channel=str(interaction.channel_id) if interaction.channel_id else None,
            community=str(interaction.guild_id) if interaction.guild_id else None,
        )

    async def _run_command(
        self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]
    ) -> None:
        request = self.request_for(interaction, spec, options)
        task = asyncio.create_task(self.router.handle(request))
        done, _ = await asyncio.wait({task}, timeout=self.defer_after)
        deferred = not done
        if deferred:
            await interaction.response.defer(thinking=True)
        try:
            reply = await task
        except Exception:
            log.exception("/%s failed", spec.name)
            reply = Reply(title=label("answer_failed", self.language), ephemeral=True,
                          is_error=True)
        view = PageView.maybe(self, request, reply)
        await self.send_reply(interaction, reply, deferred=deferred, view=view)

    async def send_reply(
        self,
        interaction: discord.Interaction,
        reply: Reply,
        *,
        deferred: bool,
        view: discord.ui.View | None = None,
    ) -> None:
        """The first message answers the interaction; the rest of a long reply follows it."""
        messages = render(reply, language=reply.language or self.language)
        private = reply.ephemeral or reply.is_error
        last = len(messages) - 1
        for i, message in enumerate(messages):
            content = message.content if message.content is not None else MISSING
            embeds = list(message.embeds)
            attach: Any = view if view is not None and i == last else MISSING
            if i > 0:
                await interaction.followup.send(content, embeds=embeds, ephemeral=private,
                                                allowed_mentions=NO_MENTIONS, view=attach)
            elif not deferred:
                await interaction.response.send_message(
                    content, embeds=embeds, ephemeral=private, allowed_mentions=NO_MENTIONS,
                    view=attach,
                )
            elif private:  # the "thinking" message is public: replace it by a private one
                await interaction.delete_original_response()
                await interaction.followup.send(content, embeds=embeds, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS, view=attach)
            else:
                await interaction.edit_original_response(
                    content=message.content, embeds=embeds, allowed_mentions=NO_MENTIONS,
                    view=attach if attach is not MISSING else None,
                )

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        log.error("Discord command failed", exc_info=error)
        await self.tell_error(interaction, label("answer_failed", self.language))

    async def tell_error(self, interaction: discord.Interaction, sentence: str) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(sentence, ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(sentence, ephemeral=True,
                                                        allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            log.exception("could not tell the user about the error")


class ShardedBriefbotClient(BriefbotClient, discord.AutoShardedClient):
    """The same client over discord.py's ``AutoShardedClient``: one gateway connection per shard
    of ``shard_ids`` (out of ``shard_count``); Discord sends each connection the events of the
    guilds whose ``(guild_id >> 22) % shard_count`` is its shard. discord.py identifies one shard
    every 5 seconds (Discord's identify rate limit), so N shards take 5 (N - 1) s to be ready."""

    async def launch_shard(self, gateway: yarl.URL, shard_id: int, *, initial: bool = False) -> None:
        # discord.py retries a failed shard every 5 s for ever, also once the client is closed:
        # a stop (SIGTERM) while shards are still connecting would then never end
        if self.is_closed():
            return
        await super().launch_shard(gateway, shard_id, initial=initial)


class PageView(discord.ui.View):
    """Previous/next buttons under a paginated reply (e.g. /claims), re-asking the router."""

    def __init__(self, client: BriefbotClient, request: CommandRequest, reply: Reply) -> None:
        super().__init__(timeout=900)
        self.client = client
        self.request = request
        page, pages = reply.page or 1, reply.pages or 1
        token = uuid.uuid4().hex[:12]
        for arrow, target, disabled in (("◀", page - 1, page <= 1), ("▶", page + 1, page >= pages)):
            button: discord.ui.Button[PageView] = discord.ui.Button(
                label=arrow, custom_id=f"briefbot:page:{token}:{target}", disabled=disabled,
                style=discord.ButtonStyle.secondary,
            )
            button.callback = self._turner(target)  # type: ignore[method-assign,assignment]
            self.add_item(button)

    @classmethod
    def maybe(
        cls, client: BriefbotClient, request: CommandRequest, reply: Reply
    ) -> PageView | None:
        spec = client.specs.get(request.command)
        if reply.is_error or not reply.pages or reply.pages <= 1 or spec is None:
            return None
        if not any(o.name == "page" for o in spec.options):
            return None
        return cls(client, request, reply)

    def _turner(self, page: int) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def turn(interaction: discord.Interaction) -> None:
            await interaction.response.defer()  # an update: always inside the 3 s
            options = dict(self.request.options, page=page)
            request = dataclasses.replace(self.request, options=options)
            reply = await self.client.router.handle(request)
            if reply.is_error:
                await self.client.tell_error(interaction, reply.title)
                return
            view = PageView.maybe(self.client, request, reply)
            first = render(reply, language=reply.language or self.client.language)[0]
            await interaction.edit_original_response(
                content=first.content, embeds=list(first.embeds), allowed_mentions=NO_MENTIONS,
                view=view,
            )
            self.stop()

        return turn
