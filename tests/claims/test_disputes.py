"""Dispute reasons are codes with arguments; the words come from bot.i18n per language."""

from __future__ import annotations

from bot.claims.compare import ClaimView, dispute_reason
from bot.i18n import LABELS, dispute_text
from bot.model import DisputeCode, DisputeReason

WANG = ClaimView("w", "Alexandr Wang", "DeepSeek has access to about 50,000 Nvidia H100 chips",
                 "claimed", False, "indirect")
DENIAL = ClaimView("d", "DeepSeek", "denied the accusation", "denied", False, "denial")


def test_a_denial_disputes_the_claim_it_answers() -> None:
    reason = dispute_reason(DENIAL, WANG)
    assert reason is not None and reason.code == DisputeCode.DENIAL
    assert reason.doubter == "DeepSeek" and reason.other == "Alexandr Wang"
    assert dispute_reason(WANG, DENIAL) == reason  # either order


def test_two_denials_do_not_dispute_each_other() -> None:
    other = ClaimView("e", "Nvidia", "disputed that DeepSeek account", "disputed", False, "denial")
    assert dispute_reason(DENIAL, other) is None


def test_stored_form_is_json_without_words_and_round_trips() -> None:
    reason = DisputeReason(DisputeCode.FIGURE_DIFFERS, doubter="A", other=None, subject="cost",
                           values=(5.6e6, 1e8), same_item=False)
    stored = reason.stored()
    assert '"code": "figure_differs"' in stored and "different" not in stored
    assert DisputeReason.parse(stored) == reason


def test_text_an_older_engine_stored_is_kept_as_legacy() -> None:
    old = "Alexandr Wang doubts the article about DeepSeek (in Wirklichkeit) (same item)"
    reason = DisputeReason.parse(old)
    assert reason.code == DisputeCode.LEGACY and dispute_text(reason, "de") == old


def test_german_and_english_words_at_render_time() -> None:
    reason = DisputeReason(DisputeCode.DENIAL, doubter="Lumen", other=None, marker="wies … zurück",
                           same_item=True, counterpart=None, counterpart_text="Lumen überträgt Daten")
    assert dispute_text(reason, "de") == ("der Artikel („Lumen überträgt Daten“): Lumen widerspricht "
                                          "dem Artikel („wies … zurück“) (im selben Artikel)")
    assert dispute_text(reason, "en").endswith("Lumen denies what the article says (wies … zurück) "
                                               "(same item)")
    figures = DisputeReason(DisputeCode.FIGURE_DIFFERS, doubter="A", other="B", subject="cost",
                            values=(5.6e6, 50000.0))
    assert dispute_text(figures, "de") == ("unterschiedliche Zahlen zu Kosten: 5,6 Millionen (A) "
                                           "gegenüber 50.000 (B)")
    assert dispute_text(figures, "en") == "different cost figures: 5.6 million (A) vs 50,000 (B)"


def test_every_dispute_label_exists_in_both_languages() -> None:
    keys = {k for k in LABELS["en"] if k.startswith(("dispute_", "number_"))}
    assert keys and keys <= LABELS["de"].keys()
    for code in DisputeCode:
        if code != DisputeCode.LEGACY:
            assert f"dispute_{code}" in keys
