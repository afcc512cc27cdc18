"""scripts/eval_spkatt.py --rules: per-rule pairing on a tiny synthetic document."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.eval_spkatt import evaluate, split_of


def test_rules_report_paired_extra_and_precision_per_rule(tmp_path: Path) -> None:
    first = ["Finanzminister", "Klaus", "Weber", "sagte", ",", "die", "Inflation", "sei", "gesunken", "."]
    second = ["Die", "Ministerin", "Eva", "Lang", "sagte", ",", "die", "Löhne", "seien", "gestiegen", "."]
    doc = {
        "Sentences": [{"SentenceId": 0, "Tokens": first}, {"SentenceId": 1, "Tokens": second}],
        "Annotations": [{
            "Cue": ["0:3"], "Source": ["0:0", "0:1", "0:2"],
            "Message": [f"0:{i}" for i in range(5, 9)], "IsNested": False,
        }],
    }
    name = next(f"doc{i}.json" for i in range(100) if split_of(f"doc{i}.json") == "dev")
    (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    rules = evaluate(tmp_path, 0, rules=True)["dev"]["rules"]
    assert rules["speech_verb"]["paired"] == 1
    assert rules["speech_verb"]["extra"] == 1  # the second claim has no gold attribution
    assert 0.0 < rules["speech_verb"]["precision"] < 1.0
    assert "rules" not in evaluate(tmp_path, 0)["dev"]
