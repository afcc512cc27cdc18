"""Slack adapter: slack-bolt app (Socket Mode or HTTP), Block Kit rendering, publisher, manifest.

Entry points for ``briefbot run``: ``start_slack(app) -> SlackRunner`` (``.publisher``, ``.stop()``,
``.wait_closed()``), ``run_slack(router, config, secrets)``, ``make_publisher(...)`` and
``manifest_for_config(config)``.
"""

from __future__ import annotations

from adapters.slack.app import SlackRunner, run_slack, start_slack, start_slack_runner
from adapters.slack.manifest import manifest, manifest_for_config
from adapters.slack.publisher import SlackPublisher, make_client


def make_publisher(bot_token: str, api_base_url: str, *, language: str = "en") -> SlackPublisher:
    """A publisher for the delivery service when no Slack runner is started (e.g. digest --post)."""
    return SlackPublisher(make_client(bot_token, api_base_url), language=language)


__all__ = [
    "SlackPublisher",
    "SlackRunner",
    "make_client",
    "make_publisher",
    "manifest",
    "manifest_for_config",
    "run_slack",
    "start_slack",
    "start_slack_runner",
]
