"""``briefbot slack-manifest``: a Slack app manifest built from the router's commands.

Slash commands live in the Slack app's configuration, not in the bot, so adding or renaming a topic
means importing the manifest again (the README says so). Slack has no per-language descriptions:
the manifest is written in ``[bot] language``.
"""

from __future__ import annotations

from typing import Any, cast

from bot.commands import CommandRouter
from bot.config import Config
from bot.i18n import label
from bot.model import CommandSpec

SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "channels:history")
REQUEST_URL_PLACEHOLDER = "https://YOUR-PUBLIC-HOST/slack/events"


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def usage_hint(spec: CommandSpec) -> str:
    """Slack shows the hint after the command name, so drop the ``/name`` the usage starts with."""
    usage = spec.usage.strip()
    prefix = "/" + spec.name
    if usage.startswith(prefix):
        usage = usage[len(prefix):].strip()
    return _trim(usage, 100)


def manifest(router: CommandRouter, *, name: str = "briefbot", mode: str = "socket",
             request_url: str = REQUEST_URL_PLACEHOLDER) -> dict[str, Any]:
    commands = []
    for spec in router.commands():
        command: dict[str, Any] = {
            "command": "/" + spec.name,
            "description": _trim(spec.description, 100),
            "should_escape": False,
        }
        command["usage_hint"] = usage_hint(spec) or label("no_options", router.language)
        if mode == "http":
            command["url"] = request_url
        commands.append(command)
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": label("app_description", router.language),
            "background_color": "#2c3e50",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "org_deploy_enabled": False,
            "socket_mode_enabled": mode != "http",
            "token_rotation_enabled": False,
        },
    }


def manifest_for_config(config: Config) -> dict[str, Any]:
    """The manifest for ``config``'s topics; needs no database (command specs come from config)."""
    router = CommandRouter(config, cast(Any, None))
    return manifest(router, mode=config.slack.mode)
