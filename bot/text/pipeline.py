"""The ingest-time text pipeline: language -> sentences -> summary -> claims -> figures.

Runs once per item at ingest; commands only read what it stored. The backends are given by the
composition root (``bot.app.default_pipeline``): summaries, claims and figures live in layers above
``bot.text``, so this module only knows their protocols (``bot.ports``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.model import Analysis
from bot.ports import ClaimExtractor, FigureExtractor, Summarizer
from bot.text.language import detect_language
from bot.text.sentences import split_sentences


@dataclass(frozen=True)
class TextPipeline:
    summarizer: Summarizer
    extractor: ClaimExtractor
    figures: FigureExtractor

    def analyze(self, text: str, language: str | None = None, *, max_bullets: int = 5) -> Analysis:
        lang = language if language in ("de", "en") else detect_language(text)
        sentences = split_sentences(text, lang)
        bullets = self.summarizer.summarize(text, sentences, lang, max_bullets=max_bullets)
        claims = self.extractor.extract(text, sentences, lang)
        figures = self.figures(text, sentences, lang)
        return Analysis(
            language=lang,
            sentences=tuple(sentences),
            bullets=tuple(bullets),
            claims=tuple(claims),
            figures=tuple(figures),
        )
