from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Shards, discord_shards, load_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_equals_builtin_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    example = load_config(ROOT / "config.example.toml")
    assert dataclasses.replace(example, path=None) == load_config(None)
    assert example.feeds == ()  # the suggested feeds are commented out: no network by default
    assert [t.name for t in example.topics] == ["deepseek"]


def test_minimal_config_takes_defaults_and_resolves_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[storage]\ndatabase = "data/x.db"\n'))
    assert config.storage.database == (tmp_path / "data" / "x.db").resolve()
    assert config.seeds.directory == (tmp_path / "seeds").resolve()
    assert config.storage.keep_days == 30
    assert config.topics[0].name == "deepseek"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[storage]\nkeep_dais = 3\n", "storage.keep_dais", "did you mean 'keep_days'"),
        ("[[feeds]]\nurl = 42\n", "feeds[0].url", "expected a string, got an integer"),
        ('[[topics]]\nname = "help"\nterms = ["x"]\n', "topics[0].name", "shadow the built-in"),
        ('[[topics]]\nname = "Deep Seek"\nterms = ["x"]\n', "topics[0].name", "a-z"),
        ('[bot]\nlanguage = "fr"\n', "bot.language", "'de' or 'en'"),
        ('[discord]\nguild_id = "abc"\n', "discord.guild_id", "an integer"),
        ('[[digests]]\nplatform = "discord"\nchannel = "1"\ntime = "25:00"\n',
         "digests[0].time", "HH:MM"),
        ('[[digests]]\nplatform = "discord"\nchannel = "1"\ntimezone = "Mars/Base"\n',
         "digests[0].timezone", "IANA"),
        ('[[digests]]\nplatform = "irc"\nchannel = "1"\n', "digests[0].platform", "'discord'"),
        ('[[digests]]\nchannel = "1"\n', "digests[0].platform", "missing required key"),
        ('[unknown]\nx = 1\n', "unknown", "unknown key"),
        ('[fetch]\nmax_bytes = 0\n', "fetch.max_bytes", "at least 1"),
        ('[delivery]\nlease_seconds = 0\n', "delivery.lease_seconds", "at least 30"),
        # shards and workers
        ("[discord]\nshard_count = 0\n", "discord.shard_count", "at least 1"),
        ("[discord]\nshard_ids = [0]\n", "discord.shard_ids", "needs [discord] shard_count"),
        ("[discord]\nshard_count = 2\nshard_ids = [2]\n", "discord.shard_ids", "outside 0..1"),
        ("[discord]\nshard_count = 2\nshard_ids = [-1]\n", "discord.shard_ids", "outside 0..1"),
        ("[discord]\nshard_count = 2\nshard_ids = []\n", "discord.shard_ids", "names no shard"),
        ("[discord]\nshard_count = 3\nshard_ids = [1, 1]\n", "discord.shard_ids", "twice"),
        ("[discord]\nshard_ids = \"0,1\"\n", "discord.shard_ids", "a list of an integer"),
        ("[workers]\nfeed_lease_seconds = 5\n", "workers.feed_lease_seconds", "at least 10"),
        ("[workers]\nleader_retry_seconds = 0\n", "workers.leader_retry_seconds", "positive"),
        ("[workers]\nleader_lease_seconds = 1\n", "workers.leader_lease_seconds", "at least 3"),
        ("[workers]\nleader_retries = 1\n", "workers.leader_retries", "did you mean"),
    ],
)
def test_bad_config_names_key_and_expectation(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert info.value.key == key
    assert f"{path}: {key}: " in message
    assert expected in message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[storage\n"))


@pytest.mark.parametrize(
    "text",
    ["[storage]\nkeep_dais = 3\n", "[[feeds]]\nurl = 42\n", '[[topics]]\nname = "help"\nterms=["x"]\n'],
)
def test_check_rejects_without_traceback(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "check"],
        check=False, capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr


def test_check_accepts_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(ROOT / "config.example.toml"), "check"]) == 0
    out = capsys.readouterr().out
    assert "config OK" in out and "/deepseek" in out


def test_secrets_come_from_environment_and_are_not_shown() -> None:
    from bot.config import Secrets

    secrets = Secrets.from_env({"DISCORD_TOKEN": "sekrit-token", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert secrets.discord_token == "sekrit-token"
    assert "sekrit" not in repr(secrets)


# --- [[subscriptions]] and its alias [[digests]] ---------------------------------------------------

OLD_DIGESTS = """
[[digests]]
platform = "discord"
channel = "123"
time = "07:30"
timezone = "Europe/Berlin"
topic = "deepseek"
quiet = "skip"
"""


def test_old_digests_config_still_works_as_an_alias(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, OLD_DIGESTS))
    (sub,) = config.all_subscriptions
    assert (sub.mode, sub.digest_time, sub.digest_timezone, sub.topic, sub.digest_quiet) == (
        "digest", "07:30", "Europe/Berlin", "deepseek", "skip")
    same = load_config(write(tmp_path, OLD_DIGESTS.replace("[[digests]]", "[[subscriptions]]")))
    assert same.all_subscriptions == config.all_subscriptions


def test_live_subscription_keys(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
[[subscriptions]]
platform = "slack"
channel = "C1"
mode = "live"
feeds = ["heise", "tagesschau"]
include = ["DeepSeek", "Überwachung"]
exclude = ["Börse"]
batch_minutes = 10
max_posts_per_hour = 6
mention = "S0123ABCD"
"""))
    (sub,) = config.all_subscriptions
    assert sub.feeds == ("heise", "tagesschau") and sub.batch_minutes == 10
    assert sub.include == ("DeepSeek", "Überwachung") and sub.mention == "S0123ABCD"


@pytest.mark.parametrize(("extra", "key", "words"), [
    ('mode = "live"\ntime = "08:00"', "subscriptions[0].time", "only to digests"),
    ('mode = "live"\nquiet = "skip"', "subscriptions[0].quiet", "only to digests"),
    ("batch_minutes = 5", "subscriptions[0].batch_minutes", 'only to mode = "live"'),
    ('mention = "123"', "subscriptions[0].mention", 'only to mode = "live"'),
    ('mode = "live"\nmention = "<@&123>"', "subscriptions[0].mention", "not a role"),
    ('mode = "live"\nmax_posts_per_hour = 0', "subscriptions[0].max_posts_per_hour", "at least 1"),
    ('mode = "live"\ninclude = [" "]', "subscriptions[0].include", "empty entry"),
])
def test_bad_subscription_keys_are_named(tmp_path: Path, extra: str, key: str,
                                         words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f'[[subscriptions]]\nplatform = "discord"\nchannel = "1"\n'
                                    f"{extra}\n"))
    assert caught.value.key == key and words in str(caught.value)


def test_topic_description_per_language(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[seeds]\ndirectory = "."\n[[topics]]\nname = "chips"\nterms = ["Nvidia"]\n'
                    'description = { de = "Chips und Zölle", en = "Chips and tariffs" }\n'
                    '[[topics]]\nname = "ai"\nterms = ["AI"]\ndescription = "KI / AI"\n',
                    encoding="utf-8")
    chips, ai = load_config(path).topics
    assert chips.display_name("de") == "Chips und Zölle"
    assert chips.display_name("en") == "Chips and tariffs"
    assert ai.display_name("de") == ai.display_name("en") == "KI / AI"
    path.write_text('[seeds]\ndirectory = "."\n[[topics]]\nname = "x"\nterms = ["X"]\n'
                    'description = { fr = "Puces" }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="description"):
        load_config(path)


# --- shards and workers -----------------------------------------------------------------------


def test_shards_come_from_the_config_and_the_variable_wins(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[discord]\nshard_count = 4\nshard_ids = [1, 3]\n"))
    assert discord_shards(config, {}) == Shards(count=4, ids=(1, 3))
    assert discord_shards(config, {"BRIEFBOT_SHARD_IDS": " 0, 2 "}) == Shards(count=4, ids=(0, 2))
    every = load_config(write(tmp_path, "[discord]\nshard_count = 2\n"))
    assert discord_shards(every, {}) == Shards(count=2, ids=(0, 1))
    assert discord_shards(load_config(None), {}) is None  # no shard settings: a leader


@pytest.mark.parametrize(
    ("config_text", "value", "words"),
    [
        ("[discord]\nshard_count = 2\n", "0;1", "is not a list of shard ids"),
        ("[discord]\nshard_count = 2\n", "0,,1", "is not a list of shard ids"),
        ("[discord]\nshard_count = 2\n", "5", "outside 0..1"),
        ("", "0", "[discord] shard_count is not"),
    ],
)
def test_a_bad_shard_ids_variable_names_the_variable(
    tmp_path: Path, config_text: str, value: str, words: str
) -> None:
    config = load_config(write(tmp_path, config_text))
    with pytest.raises(ConfigError) as raised:
        discord_shards(config, {"BRIEFBOT_SHARD_IDS": value})
    assert raised.value.key == "BRIEFBOT_SHARD_IDS"
    assert words in str(raised.value)
