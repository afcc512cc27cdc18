"""What PostgreSQL needs written differently (no server needed): placeholders, URLs, masking."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.storage.postgres_sql import mask_url, numbered, parse_url


def test_placeholders_are_numbered_outside_literals() -> None:
    assert numbered("SELECT ? , '?', \"a?\", ? -- why?\n, ?") == \
        "SELECT $1 , '?', \"a?\", $2 -- why?\n, $3"
    assert numbered("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', $1"


def test_passwords_are_masked() -> None:
    url = "postgresql://bot:hunter2@127.0.0.1:5433/news?sslmode=disable&password=hunter3"
    assert mask_url(url) == "postgresql://bot:***@127.0.0.1:5433/news?sslmode=disable&password=***"
    target = parse_url(url)
    assert target.description == "PostgreSQL bot@127.0.0.1:5433/news"
    assert "hunter" not in repr(target.description) + target.masked
    with pytest.raises(ConfigError) as caught:
        parse_url("mysql://bot:hunter2@127.0.0.1/x")
    assert "hunter2" not in str(caught.value)
