"""One label table per language, with the same keys; a missing label is an error, never the key."""

from __future__ import annotations

import pytest

from bot.i18n import LABELS, MissingLabel, label


def test_every_language_has_every_label() -> None:
    keys = {language: set(table) for language, table in LABELS.items()}
    english = keys["en"]
    for language, own in keys.items():
        assert own == english, (language, sorted(own ^ english))


def test_a_missing_label_is_an_error() -> None:
    with pytest.raises(MissingLabel):
        label("no_such_label", "de")
    assert label("overview", "de") == "Überblick"
    assert label("overview", "fr") == "Overview"  # no French table: English
