"""The Discord adapter: slash commands, embeds and a publisher on discord.py.

``bot.run`` calls ``start_discord(app)`` and registers ``runner.publisher`` with the delivery
service; ``runner.stop()`` shuts it down. Nothing here is imported by ``bot/``.
"""

from adapters.discord.client import BriefbotClient, configure_endpoints
from adapters.discord.publisher import DiscordPublisher
from adapters.discord.runner import DiscordRunner, make_client, run_discord, start_discord

__all__ = [
    "BriefbotClient",
    "DiscordPublisher",
    "DiscordRunner",
    "configure_endpoints",
    "make_client",
    "run_discord",
    "start_discord",
]
