#!/usr/bin/env python3
"""One entry point for a fresh machine: sets up .venv (once, again when pyproject.toml changes), then

    python3 dev.py run       the bot on the console adapter with the seed article
    python3 dev.py test      the whole test suite (pytest, then ruff, mypy --strict and lint-imports)
    python3 dev.py bench     the benchmarks, each printing JSON
    python3 dev.py briefbot ARGS...   any briefbot command inside the environment

Only the standard library is used here, so it runs with nothing but Python 3.11 installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".briefbot-installed"


def ensure_env(extras: str = "dev") -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"briefbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted and PY.exists():
        return
    if not PY.exists():
        print("dev.py: creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"dev.py: installing briefbot[{extras}] into .venv (first run only) ...", file=sys.stderr)
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f".[{extras}]"],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    return subprocess.run(list(args), cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    rest = argv[1:]
    if command == "run":
        ensure_env()
        return run(str(BIN / "briefbot"), "run", "--console", *rest)
    if command == "test":
        ensure_env()
        code = run(str(PY), "-m", "pytest", "-q", *rest)
        if code != 0:
            return code
        code = run(str(PY), "-m", "ruff", "check", "bot", "adapters", "tests", "bench")
        if code != 0:
            return code
        code = run(str(PY), "-m", "mypy", "bot")
        if code != 0:
            return code
        return run(str(BIN / "lint-imports"))
    if command == "bench":
        ensure_env("dev,bench")
        code = 0
        for script in sorted((ROOT / "bench").glob("*_bench.py")):
            code |= run(str(PY), str(script), *rest)
        return code
    if command == "briefbot":
        ensure_env()
        return run(str(BIN / "briefbot"), *rest)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
