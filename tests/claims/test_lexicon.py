"""The cue inventory is data shipped with the package (bot/claims/data), one list per language."""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.claims.lexicon import DENIALS, PREDICT_LEMMAS, SPEECH_LEMMAS

ROOT = Path(__file__).resolve().parent.parent.parent


def test_lists_load_per_language_with_denials_among_the_cues() -> None:
    for language in ("de", "en"):
        assert {"sagen", "behaupten"} <= SPEECH_LEMMAS["de"] and "say" in SPEECH_LEMMAS["en"]
        assert DENIALS[language]
        assert {lemma for lemma, _ in DENIALS[language]} <= SPEECH_LEMMAS[language]
    assert ("weisen", "zurück") in DENIALS["de"] and ("deny", None) in DENIALS["en"]
    assert "prognostizieren" in PREDICT_LEMMAS and "predict" in PREDICT_LEMMAS


def test_every_list_has_a_provenance_note_and_is_packaged() -> None:
    data = ROOT / "bot" / "claims" / "data"
    readme = (data / "README.md").read_text(encoding="utf-8")
    for path in sorted(data.glob("*.txt")):
        assert path.stem.split(".")[0] in readme, path.name
        assert path.read_text(encoding="utf-8").startswith("#"), path.name
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.txt" in pyproject["tool"]["setuptools"]["package-data"]["bot.claims"]
