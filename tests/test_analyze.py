"""``briefbot analyze`` as a subprocess: big inputs refused by ``[text] max_chars`` (issue 14, case
9), and a one-line text analysed as body, the same as a seed (case 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App

ROOT = Path(__file__).resolve().parents[1]
TOKENS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
SENTENCE = ("„Wir haben das Modell für weniger als sechs Millionen Dollar trainiert“, sagte "
            "DeepSeek-Gründer Liang Wenfeng am Montag in Hangzhou. Nvidia verlor daraufhin 600 "
            "Milliarden Dollar an Börsenwert, berichtete Reuters. ")


def analyze(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKENS}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", "analyze", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_file_over_max_chars_is_refused_in_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Schlagzeile\n" + SENTENCE * 1300, encoding="utf-8")  # ~250k characters
    huge = tmp_path / "huge.txt"
    huge.write_text(SENTENCE * 60_000, encoding="utf-8")  # ~12 MB: refused unread
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    bad_input = analyze(tmp_path, str(binary)).returncode
    for path in (big, huge):
        result = analyze(tmp_path, str(path))
        assert result.returncode == bad_input != 0, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"briefbot: error: {path.name} is too long")
        assert "200,000 characters, [text] max_chars" in line


def test_the_limit_is_the_configured_one(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[text]\nmax_chars = 1000\n", encoding="utf-8")
    short = tmp_path / "short.txt"
    short.write_text("Schlagzeile\n" + SENTENCE * 3, encoding="utf-8")
    longer = tmp_path / "longer.txt"
    longer.write_text("Schlagzeile\n" + SENTENCE * 10, encoding="utf-8")
    assert analyze(tmp_path, str(short)).returncode == 0
    refused = analyze(tmp_path, str(longer))
    assert refused.returncode != 0 and "1,000 characters, [text] max_chars" in refused.stderr


async def test_one_line_text_is_analysed_like_a_seed(tmp_path: Path, app: App) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    article = seeds / "one-line.txt"
    article.write_text((SENTENCE * 3).strip() + "\n", encoding="utf-8")
    result = analyze(tmp_path, "--json", str(article))
    assert result.returncode == 0, result.stderr
    (analysed,) = json.loads(result.stdout)
    assert analysed["clean_text"] == (SENTENCE * 3).strip()  # the line is the body, not a title
    assert analysed["bullets"] and analysed["claims"]

    (seeded,) = await app.ingest.ingest_seeds(seeds)
    assert seeded.status == "new", seeded.error
    (item,) = await app.storage.items.all()
    assert item.text == analysed["clean_text"]
    assert list(item.bullets) == analysed["bullets"]
    stored = {c.text for c in await app.storage.claims.list()}
    assert stored == {c["text"] for c in analysed["claims"]}
