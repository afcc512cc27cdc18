"""Bugs found end to end in files owned by others: strict xfails, so each turns red once fixed.

Each xfail says in its reason what happens now; the plain tests around them cover the paths that work.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import briefbot, clean_env

LEAK_PROBE = """
import os, sys, threading
from bot.cli import main
rc = main(sys.argv[1:])
for t in threading.enumerate():  # a closed connection's thread ends at once; a leaked one never
    if t is not threading.main_thread() and not t.daemon:
        t.join(timeout=10)
left = [t.name for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()]
print("RESULT", rc, left, flush=True)
os._exit(0)
"""


@pytest.mark.sqlite_only
def test_not_a_database_file_exits_3_without_leaking_the_connection(home: Path) -> None:
    (home / "notdb.db").write_text("hello, this is not SQLite\n" * 20, encoding="utf-8")
    (home / "config.toml").write_text('[storage]\ndatabase = "notdb.db"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", LEAK_PROBE, "claims"], cwd=home,
                            env=clean_env(), capture_output=True, text=True, timeout=120,
                            check=False)
    assert "storage error" in result.stderr
    assert "RESULT 3 []" in result.stdout, result.stdout


def test_binary_seed_is_reported_not_ingested(home: Path) -> None:
    (home / "seeds" / "blob.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    result = briefbot(home, "ingest", "--once")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if "blob.txt" in ln)
    assert ": error" in line, line


def test_latin1_seed_is_read_or_named_as_not_utf8(home: Path) -> None:
    text = ("Der Bäcker sagte, das Brot sei gut. Die Kundin behauptete, es sei zu teuer. "
            "Nvidia erklärte, die Exportkontrollen würden schaden.\n")
    (home / "seeds" / "latin1.txt").write_bytes(text.encode("latin-1"))
    result = briefbot(home, "ingest", "--once")
    line = next(ln for ln in result.stdout.splitlines() if "latin1.txt" in ln)
    assert ": new" in line or "UTF-8" in line, line


def test_german_briefing_counts_one_source_in_singular(home: Path) -> None:
    (home / "config.toml").write_text('[bot]\nlanguage = "de"\n', encoding="utf-8")
    result = briefbot(home, "run", "--console", stdin="/deepseek\n")
    assert result.returncode == 0, result.stderr
    assert "Lagebild" in result.stdout
    assert "1 Quellen" not in result.stdout  # was the footer in the committed version
    assert "1 Quelle" in result.stdout


def test_private_feed_refused_by_default(home: Path, feed_url: str) -> None:
    (home / "config.toml").write_text(f'[[feeds]]\nurl = "{feed_url}"\nname = "local"\n',
                                      encoding="utf-8")
    result = briefbot(home, "ingest", "--once")
    assert result.returncode == 0, result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("feed local"))
    assert "error" in line and "127.0.0.1" in line, line
    assert "Traceback" not in result.stderr


def test_private_feed_refusal_names_the_setting(home: Path, feed_url: str) -> None:
    (home / "config.toml").write_text(f'[[feeds]]\nurl = "{feed_url}"\nname = "local"\n',
                                      encoding="utf-8")
    result = briefbot(home, "ingest", "--once")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("feed local"))
    assert "allow_private_networks" in line, line


def test_private_feed_ingested_when_allowed(home: Path, feed_url: str) -> None:
    (home / "config.toml").write_text(
        '[bot]\nlanguage = "en"\n[fetch]\nallow_private_networks = true\nfull_text = false\n'
        f'[[feeds]]\nurl = "{feed_url}"\nname = "local"\n', encoding="utf-8")
    first = briefbot(home, "ingest", "--once")
    assert first.returncode == 0, first.stderr
    assert "feed local" in first.stdout and "2 new" in first.stdout, first.stdout
    second = briefbot(home, "ingest", "--once")
    assert "2 new" not in second.stdout
    digest = json.loads(briefbot(home, "digest", "--json").stdout)
    headlines = [s["headline"] for s in digest["stories"]]
    assert "Nvidia shares rebound after DeepSeek scare" in headlines
    sources = briefbot(home, "sources")
    assert "local" in sources.stdout and "last success" in sources.stdout
    console = briefbot(home, "run", "--console", stdin="/digest\n")
    assert console.returncode == 0, console.stderr


def test_bad_status_in_console_is_one_error_line(home: Path) -> None:
    result = briefbot(home, "run", "--console", stdin="/claims status:bogus\n/nope\n")
    assert result.returncode == 0
    assert "status must be one of" in result.stdout
    assert "Unknown command: /nope" in result.stdout


def test_claims_status_typo_is_usage_error(home: Path) -> None:
    result = briefbot(home, "claims", "--status", "bogus")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr
