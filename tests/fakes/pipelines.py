"""Text pipelines that misbehave on purpose, for the analysis pool: importable by name, so that a
worker process can unpickle them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.briefing.summary import ExtractiveSummarizer
from bot.model import Sentence

CRASH = "CRASH-THE-WORKER"
RAISE = "RAISE-IN-THE-SUMMARY"
# "CRASH-ONCE:<path>": the first worker to see it creates the file and dies, later ones go on
CRASH_ONCE = re.compile(r"CRASH-ONCE:(\S+)")


class Misbehaving(ExtractiveSummarizer):
    """A summarizer whose process ends on a text containing CRASH, or CRASH-ONCE the first time
    (as a worker killed by the kernel would: no exception, no cleanup), and which raises on a text
    containing RAISE."""

    def summarize(self, text: str, sentences: list[Sentence], language: str, *,
                  max_bullets: int = 5) -> list[str]:
        # os._exit, not an exception: a worker killed by the kernel leaves no traceback
        once = CRASH_ONCE.search(text)
        if CRASH in text or (once and not Path(once[1]).exists()):
            if once:
                Path(once[1]).touch()
            os._exit(1)
        if RAISE in text:
            raise RuntimeError("a bug in the summary")
        return super().summarize(text, sentences, language, max_bullets=max_bullets)
