"""How a test finds a claim in rendered text now that ids are not shown: by its first words, as
the renderers quote them (inner quotation marks turned, whitespace collapsed)."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import inner_quotes
from bot.model import Claim


def claim_start(claim: Claim, escape: Callable[[str], str], language: str = "de",
                words: int = 4) -> str:
    """The escaped first ``words`` words of the claim's quote."""
    return escape(" ".join(inner_quotes(claim.text, language).split()[:words]))
