"""The SpkAtt evaluation script: skips without the corpus, scores a tiny synthetic document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.attribution_score import Tally
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


def test_lost_tokens_by_error_class() -> None:
    tally = Tally()
    found = (frozenset({1, 2, 3}), frozenset({10}))  # message found in part, source in part
    gold = [(frozenset({1, 2, 3, 4}), frozenset({10, 11})),
            (frozenset({20, 21}), frozenset({30}))]  # no claim for this one
    tally.add_document([found, (frozenset({40, 41}), frozenset())], gold)
    losses = tally.scores(losses=True)["losses"]
    assert losses["missed"] == 3 and losses["message_short"] == 1 and losses["source_short"] == 1
    assert losses["extra"] == 2 and losses["source_none"] == 0
    assert "losses" not in tally.scores()
