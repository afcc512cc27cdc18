"""End-to-end helpers: briefbot as a user runs it, in a fresh folder, with no tokens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.storage.pg import fresh_database, whole_suite_on_postgres

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKENS and "PROXY" not in k.upper()}
    env["PYTHONPATH"] = str(ROOT)
    return env


def briefbot(cwd: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in ``cwd``; the timeout only guards against a hang."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env or clean_env(), input=stdin,
        capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture(autouse=True)
def database_url_variable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """With BRIEFBOT_TEST_BACKEND=postgresql every briefbot run here uses a fresh PostgreSQL
    database, through the variable (which wins over any config the test writes)."""
    if not whole_suite_on_postgres():
        yield
        return
    with fresh_database() as url:
        monkeypatch.setenv("BRIEFBOT_DATABASE_URL", url)
        yield


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A folder with the seed article and an English config, like a new self-hoster's."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "config.toml").write_text('[bot]\nlanguage = "en"\n', encoding="utf-8")
    return tmp_path


def one_clean_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("briefbot:")]
    assert len(lines) == 1, result.stderr
    return lines[0]


FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local AI News</title><link>http://127.0.0.1/</link>
<description>test</description>
<item><title>Nvidia shares rebound after DeepSeek scare</title><link>http://127.0.0.1/a1</link>
<guid>a1</guid><pubDate>{date}</pubDate>
<description>Nvidia shares rose 8 percent on Tuesday. Jensen Huang said demand for AI chips
remains strong.</description></item>
<item><title>@everyone free chips</title><link>http://127.0.0.1/a2</link><guid>a2</guid>
<pubDate>{date}</pubDate><description>Nvidia and OpenAI news. @here read this.</description></item>
</channel></rss>
"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    """A tiny RSS feed on 127.0.0.1, an ephemeral port, served from a thread."""
    body = FEED.format(date=format_datetime(datetime.now(UTC))).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()
