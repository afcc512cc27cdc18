"""Platform adapters: thin translations between platforms and the core's command router."""

from __future__ import annotations

from typing import Protocol

from bot.commands import CommandRouter
from bot.config import Config, Secrets


class CoreParts(Protocol):
    """What a platform's entry point receives from the core (``bot.app.App`` has them): the
    router it forwards commands to, the config and the tokens. Nothing else of the app."""

    @property
    def router(self) -> CommandRouter: ...
    @property
    def config(self) -> Config: ...
    @property
    def secrets(self) -> Secrets: ...
