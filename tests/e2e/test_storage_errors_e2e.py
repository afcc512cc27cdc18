"""Issue 14, cases 4, 5 and 11 through the CLI as a user runs it: real OS processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import briefbot, clean_env, one_clean_error
from tests.fakes.sqlite_locker import Locker

pytestmark = pytest.mark.sqlite_only  # SQLite files: locks, permissions, bad files

COMMANDS = (("ingest", "--once"), ("check",), ("digest",), ("claims",))


def _database(home: Path) -> Path:
    return home / "briefbot-data" / "briefbot.db"


def _readonly(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """briefbot with its database file read-only. Root writes through file modes, so as root the
    file is bind-mounted read-only in a private mount namespace (as ``chattr +i`` would)."""
    db = _database(home)
    if os.geteuid() != 0:
        db.chmod(0o444)
        return briefbot(home, *args)
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: cannot make a file read-only")
    script = 'mount --bind -o ro "$0" "$0" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(db), "--", sys.executable, "-m", "bot", *args],
        cwd=home, env=clean_env(), capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("args", COMMANDS)
def test_read_only_database_is_one_line_and_exit_3(home: Path, args: tuple[str, ...]) -> None:
    assert briefbot(home, "ingest", "--once").returncode == 0
    (home / "seeds" / "new.txt").write_text("Ada Park said chips got cheaper this week.\n\n"
                                            + "Ada Park said so on Tuesday. " * 20)
    result = _readonly(home, *args)
    line = one_clean_error(result)
    assert result.returncode == 3, result.stderr
    assert str(_database(home)) in line and "read-only" in line
    assert "Event loop is closed" not in result.stderr


@pytest.mark.parametrize("args", COMMANDS)
def test_a_folder_as_the_database(home: Path, args: tuple[str, ...]) -> None:
    _database(home).mkdir(parents=True)
    result = briefbot(home, *args)
    line = one_clean_error(result)
    assert result.returncode == 3 and "is a folder" in line and str(_database(home)) in line
    assert "Event loop is closed" not in result.stderr


@pytest.mark.parametrize("args", COMMANDS)
def test_a_file_that_is_not_a_database(home: Path, args: tuple[str, ...]) -> None:
    _database(home).parent.mkdir(parents=True)
    _database(home).write_bytes(b"not sqlite at all\n" * 300)
    result = briefbot(home, *args)
    line = one_clean_error(result)
    assert result.returncode == 3 and "not a usable briefbot database" in line
    assert "Event loop is closed" not in result.stderr


@pytest.fixture
def open_home(home: Path) -> Iterator[Path]:
    """``home`` copied to a folder every user may enter (root reads any file, so the unreadable
    case runs as nobody there)."""
    folder = Path(tempfile.mkdtemp(prefix="briefbot-unreadable-"))
    try:
        folder.chmod(0o755)
        shutil.copytree(home, folder / "home")
        (folder / "home").chmod(0o777)
        yield folder / "home"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_an_unreadable_file(open_home: Path) -> None:
    home = open_home
    assert briefbot(home, "ingest", "--once").returncode == 0
    db = _database(home)
    db.parent.chmod(0o777)
    db.chmod(0)
    command = [sys.executable, "-m", "bot", "ingest", "--once"]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(command, cwd=home, env=clean_env(), capture_output=True, text=True,
                            timeout=120, check=False)
    line = one_clean_error(result)
    assert result.returncode == 3 and str(db) in line and "cannot open" in line
    assert "Event loop is closed" not in result.stderr


def test_check_opens_the_database_and_tries_a_write(home: Path) -> None:
    result = briefbot(home, "check")
    assert result.returncode == 0, result.stderr
    assert "writable" in result.stdout and "SQLite" in result.stdout


def test_concurrent_first_starts_all_succeed(tmp_path: Path, home: Path) -> None:
    """Case 4: 5 rounds of 3 processes starting on a new file; every one must succeed."""
    for round_ in range(5):
        folder = tmp_path / f"round{round_}"
        shutil.copytree(home, folder)
        procs = [subprocess.Popen([sys.executable, "-m", "bot", "ingest", "--once"], cwd=folder,
                                  env=clean_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for proc in procs:
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err
            assert "Traceback" not in err and "already exists" not in err




def test_a_second_writer_beyond_the_busy_timeout_is_one_line(home: Path) -> None:
    """Case 11: another process holds the write lock; the ingest gives up after the bounded
    wait with one line (exit 3), and succeeds once the lock is free."""
    assert briefbot(home, "ingest", "--once").returncode == 0
    (home / "config.toml").write_text('[bot]\nlanguage = "en"\n[storage]\nbusy_timeout = 0.5\n',
                                      encoding="utf-8")
    (home / "seeds" / "new.txt").write_text("Ada Park said chips got cheaper this week.\n\n"
                                            + "Ada Park said so on Tuesday. " * 20)
    with Locker(_database(home)):
        result = briefbot(home, "ingest", "--once")
    line = one_clean_error(result)
    assert result.returncode == 3 and "locked by another writer" in line
    again = briefbot(home, "ingest", "--once")
    assert again.returncode == 0, again.stderr
    assert "new.txt: new" in again.stdout
