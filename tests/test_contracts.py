"""The JSON outputs are contracts users script against: keys and types must not change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import SEED_FILE, SEEDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndatabase = "db/b.db"\n[seeds]\ndirectory = "{SEEDS}"\n',
                    encoding="utf-8")
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def is_str_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def test_digest_json_contract(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "--config", str(cfg), "digest", "--json")
    assert isinstance(data, dict)
    assert isinstance(data["title"], str)
    assert isinstance(data["since"], str) and isinstance(data["until"], str)
    assert isinstance(data["bullets"], list) and len(data["bullets"]) <= 5
    assert all(isinstance(b, str) for b in data["bullets"])
    assert data["stories"], "the seed was ingested within the last 24 hours"
    for story in data["stories"]:
        assert isinstance(story["headline"], str)
        assert all(isinstance(b, str) for b in story["bullets"])
        assert isinstance(story["first_seen"], str)
        for source in story["sources"]:
            assert isinstance(source["title"], str)
            assert is_str_or_none(source["url"]) and is_str_or_none(source["published"])


CLAIM_KEYS = {"id": str, "text": str, "kind": str, "hedged": bool, "hedges": list,
              "evidence": str, "disputes": list, "topics": list, "first_seen": str,
              "last_seen": str, "sources": list}


def check_claim(claim: dict[str, object]) -> None:
    for key, kind in CLAIM_KEYS.items():
        assert isinstance(claim[key], kind), key
    assert is_str_or_none(claim["claimant"]) and is_str_or_none(claim["cue"])
    assert claim["evidence"] in ("none_given", "cited", "unstated")
    for source in claim["sources"]:  # type: ignore[attr-defined]
        assert isinstance(source["title"], str) and is_str_or_none(source["url"])


def test_claims_json_contract_and_stable_ids(cfg: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "--config", str(cfg), "claims", "--json")
    assert isinstance(first, list) and first
    for claim in first:
        check_claim(claim)
        assert "deepseek" in claim["topics"]
    again = run_json(capsys, "--config", str(cfg), "claims", "--json")
    assert [c["id"] for c in again] == [c["id"] for c in first]
    # a fresh database gives the same ids for the same items
    (cfg.parent / "db" / "b.db").unlink()
    fresh = run_json(capsys, "--config", str(cfg), "claims", "--json")
    assert sorted(c["id"] for c in fresh) == sorted(c["id"] for c in first)


def test_analyze_json_contract_spans_point_into_text(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    html = tmp_path / "a.html"
    html.write_text(
        "<html><head><title>Chips</title></head><body><article><h1>Chips</h1>"
        "<p>„Wir liefern keine Beweise“, sagte Neal Khosla am Montag in San Francisco.</p>"
        "<p>Die Regierung in Washington prüft neue Exportkontrollen für Chips von Nvidia.</p>"
        "</article></body></html>", encoding="utf-8")
    data = run_json(capsys, "analyze", str(SEED_FILE), str(html), "--json")
    assert isinstance(data, list) and len(data) == 2
    for result in data:
        assert isinstance(result["path"], str) and isinstance(result["language"], str)
        assert is_str_or_none(result["title"]) and isinstance(result["text"], str)
        assert all(isinstance(b, str) for b in result["bullets"])
        for claim in result["claims"]:
            check_claim(claim)
            spans = claim["spans"]
            start, end = spans["message"]
            assert 0 <= start < end <= len(result["text"])
            for role in ("claimant", "cue"):
                if spans[role] is not None:
                    s, e = spans[role]
                    assert 0 <= s < e <= len(result["text"])
    seed = data[0]
    assert seed["language"] == "de"
    assert seed["text"] == SEED_FILE.read_text(encoding="utf-8")
    assert seed["claims"], "the seed has attributed claims"
    for claim in seed["claims"]:
        if claim["spans"]["cue"]:
            s, e = claim["spans"]["cue"]
            # a cue in two parts ("spielt … herunter") spans its first part
            assert seed["text"][s:e] == claim["cue"].split(" … ")[0]
    assert data[1]["language"] == "de" and "Exportkontrollen" in data[1]["text"]


def test_analyze_missing_file_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "/nonexistent/file.txt"]) == 1
    assert "cannot read" in capsys.readouterr().err
