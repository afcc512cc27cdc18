"""End to end through ``briefbot analyze`` / ``run --console``: English claimants and dispute reasons
in the bot's language (were strict xfails in tests/e2e/test_known_bugs_e2e.py)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import briefbot, home

__all__ = ["home"]  # the e2e fixture, used here by name


def test_english_quote_with_lowercase_role_is_a_claim(home: Path) -> None:
    (home / "q.txt").write_text(
        "Nvidia rebounds\n\nNvidia shares rose 8 percent on Tuesday. \"The market overreacted,\" "
        "analyst Dan Ives said. \"We will keep serving our customers,\" chief executive Jensen "
        "Huang told reporters.\n", encoding="utf-8")
    result = briefbot(home, "analyze", "q.txt", "--json", "--lang", "en")
    claims = json.loads(result.stdout)[0]["claims"]
    assert {c["claimant"] for c in claims} >= {"Dan Ives", "Jensen Huang"}, claims


def test_determiner_is_not_a_claimant(home: Path) -> None:
    (home / "s.txt").write_text(
        "Chips\n\nSome analysts claimed that DeepSeek may have used far more chips than it "
        "disclosed.\n", encoding="utf-8")
    claims = json.loads(briefbot(home, "analyze", "s.txt", "--json").stdout)[0]["claims"]
    assert claims
    assert all(c["claimant"] != "Some" for c in claims), claims


def test_german_output_has_no_english_dispute_reasons(home: Path) -> None:
    (home / "config.toml").write_text('[bot]\nlanguage = "de"\n', encoding="utf-8")
    result = briefbot(home, "run", "--console", stdin="/claims status:disputed\n")
    assert result.returncode == 0, result.stderr
    assert "widerspricht dem Artikel" in result.stdout
    assert " doubts " not in result.stdout
    assert "same item" not in result.stdout


def test_analyze_lists_the_claim_a_denial_answers_as_its_dispute(home: Path) -> None:
    (home / "d.txt").write_text(
        "Lab under fire\n\nA watchdog group said Helix Labs had skipped two safety trials. "
        "Regulator Maria Lopez said the agency would inspect the plant. Helix Labs denied the "
        "allegation.\n", encoding="utf-8")
    claims = json.loads(briefbot(home, "analyze", "d.txt", "--json", "--lang", "en").stdout)[0][
        "claims"]
    by_text = {c["text"]: c for c in claims}
    denial = by_text["denied the allegation"]
    skipped = by_text["Helix Labs had skipped two safety trials"]
    assert denial["disputes"] == [skipped["id"]] and skipped["disputes"] == [denial["id"]]
    assert by_text["the agency would inspect the plant"]["disputes"] == []
