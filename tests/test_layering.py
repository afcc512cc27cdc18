"""The core never imports a platform library; adapters translate."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk")
BOT = Path(__file__).resolve().parent.parent / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_bot_never_imports_platform_libraries() -> None:
    files = list(BOT.rglob("*.py"))
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(BOT.parent)} imports {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offenders == []


def test_the_check_detects_a_platform_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import json\nfrom slack_sdk.web import WebClient\n", encoding="utf-8")
    assert "slack_sdk.web" in imported_modules(sample)
