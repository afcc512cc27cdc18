from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from adapters.console import render_reply, run_console
from bot.app import App
from bot.model import Claim, Link, Reply, Section

ROOT = Path(__file__).resolve().parents[2]


async def test_console_answers_each_line_and_helps_on_unknown(seeded_app: App) -> None:
    out = io.StringIO()
    code = await run_console(
        seeded_app.router,
        stdin=io.StringIO("/deepseek\n/claims\n/nonsense\n\n/claims page:x\n"),
        stdout=out,
        first=await seeded_app.answers.digest(topic=None),
        rich=False,
    )
    text = out.getvalue()
    assert code == 0
    assert text.index("Tagesüberblick") < text.index("Lagebild")
    assert "Unbekannter Befehl: /nonsense" in text and "/claims [claimant:NAME]" in text
    assert "page muss eine ganze Zahl sein" in text
    assert "\x1b[" not in text  # plain when not a TTY


def test_render_strips_terminal_escapes_and_marks_claims() -> None:
    claim = Claim(id="c1", claimant=None, text="\x1b[31mred\x1b[0m text", kind="statement",
                  cue=None, hedged=True, hedges=("angeblich",), evidence="none_given",
                  sources=(Link("a"), Link("b")))
    reply = Reply(title="T\x07", sections=(Section("S", claims=(claim,)),))
    text = render_reply(reply, language="en")
    assert "\x1b" not in text and "\x07" not in text
    assert "The article — “red text”" in text and "hedged" in text
    assert "no evidence given" in text and "2 sources" in text and "c1" not in text


def test_run_console_end_to_end_via_cli(tmp_path: Path) -> None:
    """The issue's acceptance line, as a user would type it (defaults, no config file)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--console"],
        check=False, input="/deepseek\n/claims\n/nonsense\n", capture_output=True, text=True,
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "no DISCORD_TOKEN or SLACK_BOT_TOKEN set" in proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    assert "Lagebild" in out and "Behauptungen" in out and "Unbekannter Befehl" in out
    assert (tmp_path / "briefbot-data" / "briefbot.db").exists()


async def test_console_claims_by_a_claimant_as_people_type_it(seeded_app: App) -> None:
    async def typed(line: str) -> str:
        out = io.StringIO()
        await run_console(seeded_app.router, stdin=io.StringIO(line + "\n"), stdout=out,
                          rich=False)
        return out.getvalue()

    altman = await typed("/claims claimant:Sam Altman")
    andreessen = await typed("/claims andreesen")
    misspelt = await typed("/claims claimant:altmann")
    unknown = await typed("/claims claimant:Altmann Junior")
    assert "Behauptungen (von: Sam Altman)" in altman
    assert {line.split(" — ")[0] for line in altman.splitlines() if line.startswith("  • ")} \
        == {"  • Sam Altman"}
    assert "  • Marc Andreessen — „Es ist ein Sputnik-Moment für KI“" in andreessen
    assert "Behauptungen (von: Sam Altman)" in misspelt  # the title names whom it found
    assert "von 'Altmann Junior' gibt es hier keine Behauptung" in unknown
    assert "am ähnlichsten: Sam Altman" in unknown
