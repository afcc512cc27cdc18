"""The ingest-time text pipeline: language -> sentences -> summary -> claims -> figures.

Runs once per item at ingest; commands only read what it stored. Backends are injectable so that tests
(and a future abstractive summarizer) can swap them without touching callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.model import Analysis, ExtractedClaim, Figure, Sentence
from bot.ports import ClaimExtractor, Summarizer
from bot.text.language import detect_language
from bot.text.sentences import split_sentences


def _default_summarizer() -> Summarizer:
    from bot.briefing.summary import ExtractiveSummarizer

    return ExtractiveSummarizer()


def _default_extractor() -> ClaimExtractor:
    from bot.claims.extract import RuleClaimExtractor

    return RuleClaimExtractor()


@dataclass
class TextPipeline:
    summarizer: Summarizer = field(default_factory=_default_summarizer)
    extractor: ClaimExtractor = field(default_factory=_default_extractor)

    def analyze(self, text: str, language: str | None = None, *, max_bullets: int = 5) -> Analysis:
        lang = language if language in ("de", "en") else detect_language(text)
        sentences = split_sentences(text, lang)
        bullets = self.summarizer.summarize(text, sentences, lang, max_bullets=max_bullets)
        claims = self.extractor.extract(text, sentences, lang)
        figures = _figures(text, sentences, lang, claims)
        return Analysis(
            language=lang,
            sentences=tuple(sentences),
            bullets=tuple(bullets),
            claims=tuple(claims),
            figures=tuple(figures),
        )


def _figures(
    text: str, sentences: list[Sentence], language: str, claims: list[ExtractedClaim]
) -> list[Figure]:
    try:
        from bot.briefing.figures import extract_figures
    except ImportError:
        return []
    return list(extract_figures(text, sentences, language))
