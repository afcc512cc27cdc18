"""``briefbot slack-manifest``: every command, scopes, Socket Mode."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from adapters.slack.manifest import SCOPES, manifest_for_config
from bot.cli import main
from bot.commands import CommandRouter
from bot.config import load_config, parse_config

TOPICS = {"topics": [
    {"name": "deepseek", "terms": ["DeepSeek"], "description": "DeepSeek news"},
    {"name": "chips", "terms": ["Nvidia"], "description": "Export controls on AI chips"},
]}


def test_manifest_lists_every_router_command_with_hints() -> None:
    config = parse_config(dict(TOPICS))
    manifest = manifest_for_config(config)
    commands = manifest["features"]["slash_commands"]
    router = CommandRouter(config, None)  # type: ignore[arg-type]
    assert [c["command"] for c in commands] == ["/" + s.name for s in router.commands()]
    assert {"/chips", "/deepseek", "/claims", "/subscribe", "/unsubscribe", "/help"} <= {
        c["command"] for c in commands}
    for c in commands:
        assert 0 < len(c["description"]) <= 100 and c["usage_hint"]
        assert c["should_escape"] is False
        assert "url" not in c
    by_name = {c["command"]: c for c in commands}
    assert "status:" in by_name["/claims"]["usage_hint"]
    assert not by_name["/claims"]["usage_hint"].startswith("/claims")
    assert "time:" in by_name["/subscribe"]["usage_hint"]
    assert "Export controls" in by_name["/chips"]["description"]
    assert manifest["oauth_config"]["scopes"]["bot"] == list(SCOPES)
    assert set(SCOPES) == {"commands", "chat:write", "chat:write.public", "users:read",
                           "channels:history"}
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_http_mode_manifest_points_commands_at_the_request_url() -> None:
    config = parse_config({**TOPICS, "slack": {"mode": "http", "port": 8080}})
    manifest = manifest_for_config(config)
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert all(c["url"].endswith("/slack/events") for c in manifest["features"]["slash_commands"])


def test_cli_prints_the_manifest_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # main() may add a root log handler on capsys's stream: keep it from outliving the test
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    path = tmp_path / "config.toml"
    path.write_text('[[topics]]\nname = "chips"\nterms = ["Nvidia"]\n', encoding="utf-8")
    assert main(["--config", str(path), "slack-manifest"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == manifest_for_config(load_config(path))
    assert "/chips" in [c["command"] for c in printed["features"]["slash_commands"]]
