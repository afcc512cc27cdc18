"""The SpkAtt evaluation script: skips without the corpus, scores a tiny synthetic document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.eval_spkatt import evaluate, main, split_of


def test_skips_when_the_corpus_is_absent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--corpus", str(tmp_path / "missing")]) == 0
    assert "skipped" in json.loads(capsys.readouterr().out)


def test_scores_a_document(tmp_path: Path) -> None:
    tokens = ["Finanzminister", "Klaus", "Weber", "sagte", ",", "die", "Inflation", "sei", "gesunken", "."]
    doc = {
        "Sentences": [{"SentenceId": 0, "Tokens": tokens}],
        "Annotations": [{
            "Cue": ["0:3"], "Source": ["0:0", "0:1", "0:2"],
            "Message": [f"0:{i}" for i in range(5, 9)], "IsNested": False,
        }],
    }
    name = next(f"doc{i}.json" for i in range(100) if split_of(f"doc{i}.json") == "dev")
    (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    scores = evaluate(tmp_path, 0)["dev"]
    assert scores["message"]["f1"] == 1.0
    assert scores["source"]["recall"] == 1.0
