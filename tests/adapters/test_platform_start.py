"""``briefbot run`` when the platform is not there or says no (issue 14, case 6).

Before: ``DISCORD_TOKEN=abc briefbot run`` offline printed 88 lines (voice warnings, a
``ClientConnectorError`` traceback, "Unclosed client session") and exited 1; Slack offline blamed
``slack.api_base_url`` even when the user never set it. Now a rejected token is one line naming the
variable (exit 2) and an unreachable platform is retried with backoff, one log line each time, until
it comes up (a bot started by systemd before the network is up) or SIGTERM stops it.

The CLI runs as a subprocess against the fake Discord and Slack servers of tests/fakes (real
discord.py and slack-bolt on the other side) or a closed loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import discord
import pytest

from adapters.discord import start_discord
from adapters.slack.app import unreachable
from bot.config import BotConfig, Config, DiscordConfig, SlackConfig
from tests.fakes.discord_fake import TOKEN, FakeDiscord
from tests.fakes.slack_fake import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
NOISE = ("Traceback", "Unclosed client session", "PyNaCl", "davey", "voice", "will be unused")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def home(tmp_path: Path, config: str) -> Path:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "config.toml").write_text(
        '[bot]\nlanguage = "en"\n[storage]\ndatabase = "data/briefbot.db"\n' + config,
        encoding="utf-8")
    return tmp_path


def env_with(**tokens: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKENS and "PROXY" not in k.upper()}
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **tokens}


class Briefbot:
    """``python -m bot run`` as a child process whose stderr is read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line_with(self, text: str, *, limit: float = 60) -> str:
        """The next stderr line containing ``text`` (the limit only guards against a hang)."""
        assert self.process.stderr is not None
        async with asyncio.timeout(limit):
            while True:
                raw = await self.process.stderr.readline()
                if not raw:
                    raise AssertionError(f"no line with {text!r}:\n" + "\n".join(self.lines))
                line = raw.decode().rstrip("\n")
                self.lines.append(line)
                if text in line:
                    return line

    async def finish(self, *, terminate: bool = True) -> int:
        if terminate and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        assert self.process.stderr is not None
        rest = await asyncio.wait_for(self.process.stderr.read(), 60)
        self.lines += rest.decode().splitlines()
        return await asyncio.wait_for(self.process.wait(), 60)


@contextlib.asynccontextmanager
async def briefbot_run(folder: Path, env: dict[str, str]) -> AsyncIterator[Briefbot]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=folder, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    child = Briefbot(process)
    try:
        yield child
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def assert_quiet(lines: list[str]) -> None:
    text = "\n".join(lines)
    for noise in NOISE:
        assert noise not in text, text


# --- Discord ------------------------------------------------------------------------------------


def discord_config(base: str, gateway: str) -> str:
    return f'[discord]\napi_base_url = "{base}"\ngateway_url = "{gateway}"\n'


async def test_discord_offline_is_retried_one_line_each_time(tmp_path: Path) -> None:
    port = closed_port()
    folder = home(tmp_path, discord_config(f"http://127.0.0.1:{port}/api/v10",
                                           f"ws://127.0.0.1:{port}/gateway"))
    async with briefbot_run(folder, env_with(DISCORD_TOKEN="abc")) as bot:
        first = await bot.line_with("Discord is not reachable")
        second = await bot.line_with("Discord is still not reachable")
        code = await bot.finish()
    assert f"cannot connect to 127.0.0.1:{port}" in first and "retrying in 1 s" in first
    assert "retrying in 2 s" in second
    assert code == 0  # stopped by SIGTERM, cleanly
    assert_quiet(bot.lines)
    assert len(bot.lines) <= 6, bot.lines  # the retry lines, the "running on" line, no traceback


async def test_discord_rejected_token_is_one_line_exit_2(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        folder = home(tmp_path, discord_config(fake.api_base, fake.gateway_url))
        async with briefbot_run(folder, env_with(DISCORD_TOKEN="bm9wZQ.bad.token")) as bot:
            code = await bot.finish(terminate=False)
    finally:
        await fake.close()
    assert code == 2, bot.lines
    assert_quiet(bot.lines)
    (line,) = [ln for ln in bot.lines if ln.strip()]
    assert line.startswith("briefbot: configuration error: DISCORD_TOKEN: Discord rejected the "
                           "token (401 Unauthorized)"), line


async def test_discord_comes_up_later_and_the_bot_connects(monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """Offline at start, then the server appears on the same address: the retry logs in."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    from tests.adapters.test_discord_client import StubRouter

    port = closed_port()
    config = Config(bot=BotConfig(language="en"), discord=DiscordConfig(
        api_base_url=f"http://127.0.0.1:{port}/api/v10",
        gateway_url=f"ws://127.0.0.1:{port}/gateway"))
    app = SimpleNamespace(router=StubRouter(), config=config,
                          secrets=SimpleNamespace(discord_token=TOKEN))
    runner = await start_discord(app, guild_ready_timeout=0.01, retry_first=0.05, retry_max=0.2)
    fake = FakeDiscord()
    try:
        assert not runner.client.is_ready()
        await fake.start(port)
        await asyncio.wait_for(runner.wait_ready(), 30)
        assert fake.connections >= 1 or fake.ws is not None
    finally:
        await runner.stop()
        await fake.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "adapters.discord.runner"]
    assert messages[0].startswith("Discord is not reachable")
    assert "Discord reached: logged in" in messages
    assert all(r.exc_info is None for r in caplog.records)


# --- Slack --------------------------------------------------------------------------------------


async def test_slack_offline_is_retried_one_line_each_time(tmp_path: Path) -> None:
    port = closed_port()
    folder = home(tmp_path, f'[slack]\napi_base_url = "http://127.0.0.1:{port}/api/"\n')
    async with briefbot_run(folder, env_with(SLACK_BOT_TOKEN="xoxb-test",
                                             SLACK_APP_TOKEN="xapp-test")) as bot:
        first = await bot.line_with("Slack is not reachable")
        await bot.line_with("Slack is still not reachable")
        code = await bot.finish()
    assert code == 0
    assert f"cannot connect to 127.0.0.1:{port}" in first and "retrying in 1 s" in first
    assert "([slack] api_base_url)" in first  # the user set that key: it may be wrong
    assert_quiet(bot.lines)


def test_slack_offline_with_the_default_url_does_not_blame_the_key() -> None:
    line = unreachable(SlackConfig(), TimeoutError())
    assert line == "Slack is not reachable (timed out)"
    assert "api_base_url" not in line
    custom = unreachable(SlackConfig(api_base_url="http://127.0.0.1:1/api/"), TimeoutError())
    assert "[slack] api_base_url" in custom


@pytest.mark.parametrize(("variable", "tokens"), [
    ("SLACK_BOT_TOKEN", {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_APP_TOKEN": "xapp-test"}),
    ("SLACK_APP_TOKEN", {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-wrong"}),
])
async def test_slack_rejected_token_is_one_line_exit_2(
    tmp_path: Path, variable: str, tokens: dict[str, str]
) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        folder = home(tmp_path, f'[slack]\napi_base_url = "{fake.api_url}"\n')
        async with briefbot_run(folder, env_with(**tokens)) as bot:
            code = await bot.finish(terminate=False)
    finally:
        await fake.stop()
    assert code == 2, bot.lines
    assert_quiet(bot.lines)
    (line,) = [ln for ln in bot.lines if ln.strip()]
    assert line.startswith(f"briefbot: configuration error: {variable}: Slack refused"), line
    assert "invalid_auth" in line
