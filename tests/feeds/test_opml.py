"""OPML: a file of 24 feeds (nested folders, a duplicate, broken outlines) imported through the CLI,
exported, and the export imported again: nothing changes and every feed survives."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_config
from bot.feeds.opml import OPMLError, parse_opml
from bot.storage import Storage
from bot.storage.communities_feeds import SHARED

FEEDS = [(f"Feed {n} — Nachrichten & Co", f"http://127.0.0.1:9/feed{n}.xml?x=1&y={n}")
         for n in range(22)]


def opml_file() -> str:
    def outline(n: int) -> str:
        name, url = FEEDS[n]
        return (f'<outline type="rss" text="{name.replace("&", "&amp;")}" '
                f'xmlUrl="{url.replace("&", "&amp;")}"/>')

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">',
             "<head><title>Test</title></head>", "<body>"]
    lines += [outline(n) for n in range(8)]
    lines.append('<outline text="Tech">')
    lines += [outline(n) for n in range(8, 14)]
    lines.append('  <outline text="Deeper">')
    lines += [outline(n) for n in range(14, 22)]
    lines.append("  </outline>")
    lines.append("</outline>")
    lines.append(outline(3))  # the duplicate: line 31
    lines.append('<outline text="broken, no address"/>')  # line 32
    lines.append('<outline text="not http" xmlUrl="file:///etc/passwd"/>')  # line 33
    lines += ["</body>", "</opml>"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\ndatabase = "{tmp_path / "b.db"}"\n[seeds]\ndirectory = '
                    f'"{tmp_path}"\n', encoding="utf-8")
    return path


async def followed(config_file: Path) -> list[tuple[str, str, str]]:
    storage = await Storage.open(load_config(config_file).storage.database)
    try:
        return sorted((o.community, o.name, o.source.url)
                      for o in await storage.feed_owners.followed())
    finally:
        await storage.close()


def test_import_export_round_trip(tmp_path: Path, config_file: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "feeds.opml"
    source.write_text(opml_file(), encoding="utf-8")
    assert main(["--config", str(config_file), "feeds", "import", str(source)]) == 0
    out = capsys.readouterr()
    assert "22 feeds added, 0 skipped, 3 outlines not usable" in out.out
    assert f"{source}:31: {FEEDS[3][1]} is in the file twice" in out.err
    assert f"{source}:32: an outline without xmlUrl" in out.err
    assert f"{source}:33: xmlUrl 'file:///etc/passwd' is not an http(s) address" in out.err
    first = asyncio.run(followed(config_file))
    assert first == sorted((SHARED, name, url) for name, url in FEEDS)

    exported = tmp_path / "export.opml"
    assert main(["--config", str(config_file), "feeds", "export", "--output",
                 str(exported)]) == 0
    document = parse_opml(exported.read_bytes())
    assert sorted((f.name, f.url) for f in document.feeds) == sorted(FEEDS)
    assert document.problems == []

    assert main(["--config", str(config_file), "feeds", "import", str(exported)]) == 0
    assert "0 feeds added, 22 skipped" in capsys.readouterr().out
    assert asyncio.run(followed(config_file)) == first

    assert main(["--config", str(config_file), "feeds", "export"]) == 0  # standard output
    assert parse_opml(capsys.readouterr().out.encode()).feeds == document.feeds


def test_import_for_one_community(tmp_path: Path, config_file: Path) -> None:
    source = tmp_path / "feeds.opml"
    source.write_text(opml_file(), encoding="utf-8")
    assert main(["--config", str(config_file), "feeds", "import", str(source),
                 "--community", "discord:42"]) == 0
    assert {c for c, _, _ in asyncio.run(followed(config_file))} == {"discord:42"}
    assert main(["--config", str(config_file), "feeds", "import", str(source),
                 "--community", "nowhere"]) == 2


@pytest.mark.parametrize("body, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<opml><body><outline xmlUrl="&x;"/></body></opml>', "DOCTYPE"),
    (b"<opml><body><outline", "not well-formed"),
    (b"<rss/>", "not <opml>"),
])
def test_unusable_files_are_refused_in_one_line(body: bytes, reason: str) -> None:
    with pytest.raises(OPMLError, match=reason):
        parse_opml(body)


def test_a_broken_file_is_one_line_and_an_exit_code(tmp_path: Path, config_file: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<opml><body><outline")
    assert main(["--config", str(config_file), "feeds", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not well-formed XML" in err
    assert main(["--config", str(config_file), "feeds", "import", str(tmp_path / "no.opml")]) == 1
