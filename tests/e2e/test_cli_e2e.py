"""The CLI as a self-hoster drives it: real subprocesses, a fresh folder, no tokens, no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, briefbot, clean_env, one_clean_error


def write_config(home: Path, text: str) -> None:
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_check_then_ingest_digest_and_claims_json(home: Path) -> None:
    check = briefbot(home, "check")
    assert check.returncode == 0, check.stderr
    assert str(home / "config.toml") in check.stdout
    first = briefbot(home, "ingest", "--once")
    assert first.returncode == 0, first.stderr
    assert ": new" in first.stdout
    again = briefbot(home, "ingest", "--once")
    assert ": unchanged" in again.stdout
    digest = json.loads(briefbot(home, "digest", "--json").stdout)
    assert {"title", "since", "until", "bullets", "stories"} <= digest.keys()
    assert 1 <= len(digest["bullets"]) <= 5
    claims = json.loads(briefbot(home, "claims", "--json").stdout)
    assert claims
    disputed = json.loads(briefbot(home, "claims", "--status", "disputed", "--json").stdout)
    assert disputed
    assert all(c["disputes"] for c in disputed)
    ids = {c["id"] for c in claims}
    assert {c["id"] for c in json.loads(briefbot(home, "claims", "--json").stdout)} == ids


def test_console_run_answers_piped_commands(home: Path) -> None:
    result = briefbot(home, "run", "--console", stdin="/deepseek\n/claims status:disputed\n/help\n")
    assert result.returncode == 0, result.stderr
    assert "running the console adapter" in result.stderr
    assert "/claims [claimant:NAME]" in result.stdout
    assert "Traceback" not in result.stderr


def test_unknown_key_is_named_with_a_suggestion(home: Path) -> None:
    write_config(home, '[storage]\ndatabse = "x.db"\n')
    result = briefbot(home, "check")
    assert result.returncode == 2
    line = one_clean_error(result)
    assert "storage.databse" in line
    assert "'database'" in line


def test_topic_named_help_is_refused(home: Path) -> None:
    write_config(home, '[[topics]]\nname = "help"\nterms = ["x"]\n')
    result = briefbot(home, "check")
    assert result.returncode == 2
    assert "topics[0].name" in one_clean_error(result)


def test_discord_digest_without_token_names_the_variable(home: Path) -> None:
    write_config(home, '[[digests]]\nplatform = "discord"\nchannel = "123"\n')
    result = briefbot(home, "run")
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in one_clean_error(result)


def test_missing_config_file_is_a_config_error(home: Path) -> None:
    result = briefbot(home, "--config", str(home / "nope.toml"), "check")
    assert result.returncode == 2
    assert "nope.toml" in one_clean_error(result)


def test_non_http_feed_is_refused(home: Path) -> None:
    write_config(home, '[[feeds]]\nurl = "file:///etc/passwd"\n')
    result = briefbot(home, "check")
    assert result.returncode == 2
    assert "feeds[0].url" in one_clean_error(result)


def test_since_garbage_is_a_named_error(home: Path) -> None:
    result = briefbot(home, "digest", "--since", "garbage")
    assert result.returncode == 1
    assert "--since" in one_clean_error(result)


@pytest.mark.sqlite_only
def test_database_under_a_file_is_a_storage_error(home: Path) -> None:
    (home / "afile").write_text("x", encoding="utf-8")
    write_config(home, '[storage]\ndatabase = "afile/briefbot.db"\n')
    result = briefbot(home, "claims")
    assert result.returncode == 3
    assert "afile" in one_clean_error(result)


def test_missing_seeds_folder_is_caught_by_check(tmp_path: Path) -> None:
    """Was: ``check`` said "config OK" and then run/digest/claims/ingest all failed."""
    check = briefbot(tmp_path, "check")
    assert check.returncode == 2
    assert "seeds.directory" in one_clean_error(check)
    for command in (("digest",), ("claims",), ("ingest", "--once"), ("run", "--console")):
        result = briefbot(tmp_path, *command)
        assert result.returncode == 2, command
        assert "seeds.directory" in one_clean_error(result)


def test_claims_with_unknown_topic_is_an_error_like_digest(home: Path) -> None:
    """Was: ``claims --topic help`` printed "no claims match" and exited 0."""
    for command in ("claims", "digest"):
        result = briefbot(home, command, "--topic", "help")
        assert result.returncode == 2, command
        assert "help" in one_clean_error(result)


def test_closed_pipe_is_not_a_traceback(home: Path) -> None:
    """Was: ``briefbot claims --json | head -1`` ended in a BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "claims", "--json"], cwd=home, env=clean_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == "["
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err


def test_analyze_text_html_and_seed_json_spans(home: Path) -> None:
    (home / "en.txt").write_text(
        "Chipmakers brace for new rules\n\nNvidia said on Monday that the new export controls "
        "would cost it about $5.5 billion. Commerce Secretary Gina Raimondo denied that the "
        "rules were aimed at any single company.\n", encoding="utf-8")
    (home / "page.html").write_text(
        "<html><head><title>DeepSeek shakes AI stocks</title><script>alert(1)</script></head>"
        "<body><nav>Home</nav><article><p>Shares of Nvidia fell 17 percent on Monday. \"This is "
        "a wake-up call for American industry,\" President Donald Trump said.</p></article>"
        "</body></html>", encoding="utf-8")
    seed = next((home / "seeds").iterdir())
    result = briefbot(home, "analyze", "en.txt", "page.html", str(seed), "--json")
    assert result.returncode == 0, result.stderr
    analyses = json.loads(result.stdout)
    assert [a["language"] for a in analyses] == ["en", "en", "de"]
    assert "alert" not in analyses[1]["text"]
    for analysis in analyses:
        assert analysis["claims"], analysis["path"]
        for claim in analysis["claims"]:
            start, end = claim["spans"]["message"]
            # a message interrupted by its cue ("DeepSeek, behauptet er, sei ...") spans the cue too
            first_word = claim["text"].split()[0].strip(",")
            assert analysis["text"][start:end].startswith(first_word), claim
    assert analyses[0]["text"] == (home / "en.txt").read_text(encoding="utf-8")
    assert not (home / "briefbot-data").exists()


def test_analyze_missing_file_and_binary_file(home: Path) -> None:
    missing = briefbot(home, "analyze", "missing.txt")
    assert missing.returncode == 1
    assert "missing.txt" in one_clean_error(missing)
    (home / "blob.txt").write_bytes(b"\x7fELF\x00\x01\x02" + bytes(range(256)))
    binary = briefbot(home, "analyze", "blob.txt")
    assert binary.returncode == 1, binary.stdout
    assert "blob.txt" in one_clean_error(binary)


def test_discord_invite_and_slack_manifest(home: Path) -> None:
    env = clean_env()
    env["DISCORD_TOKEN"] = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhAbCd.abcdefghijklmnopqrstuvwxyz0123456789AB"
    invite = briefbot(home, "discord-invite", env=env)
    assert invite.returncode == 0, invite.stderr
    assert "client_id=123456789012345678" in invite.stdout
    assert "applications.commands" in invite.stdout
    no_token = briefbot(home, "discord-invite")
    assert no_token.returncode == 2
    assert "DISCORD_TOKEN" in one_clean_error(no_token)
    manifest = json.loads(briefbot(home, "slack-manifest").stdout)
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert "/deepseek" in commands and "/claims" in commands


@pytest.mark.skipif(os.name != "posix", reason="POSIX only")
def test_dev_py_without_command_prints_usage() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "dev.py"), "nope"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "dev.py test" in result.stderr
