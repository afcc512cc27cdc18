"""The console demo on the seed in each language: characters and the longest line of the digest,
the topic briefing and /claims, plus the label words of the other language found in the output.

    .venv/bin/python scripts/demo_lengths.py [--show]
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from adapters.console import render_reply
from bot.app import build_app
from bot.config import default_config
from bot.errors import CommandError
from bot.model import Reply

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("/digest", "/deepseek", "/claims", "/claims claimant:Sam Altman", "/help")


async def demo(language: str, show: bool) -> dict[str, object]:
    base = default_config()
    with tempfile.TemporaryDirectory() as folder:
        config = dataclasses.replace(
            base, bot=dataclasses.replace(base.bot, language=language),
            storage=dataclasses.replace(base.storage, database=Path(folder) / "demo.db"),
            seeds=dataclasses.replace(base.seeds, directory=ROOT / "seeds"),
        )
        app = await build_app(config)
        try:
            await app.ingest.ingest_seeds(config.seeds.directory)
            out: dict[str, object] = {}
            for line in COMMANDS:
                try:
                    reply = await app.router.handle(app.router.parse_text(line))
                except CommandError as e:
                    reply = Reply(title=str(e), is_error=True)
                text = render_reply(reply, language=language)
                if show:
                    print(f"----- {language} {line}\n{text}")
                out[line] = {"chars": len(text), "lines": text.count("\n"),
                             "longest_line": max(len(x) for x in text.splitlines())}
            return out
        finally:
            await app.close()


def main(argv: list[str]) -> int:
    show = "--show" in argv
    result = {language: asyncio.run(demo(language, show)) for language in ("de", "en")}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
