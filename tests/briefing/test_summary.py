"""The article summary against expected-facts files written before the summarizer was tuned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.briefing.summary import ExtractiveSummarizer, continues_reported_speech
from bot.config import load_config
from bot.errors import ConfigError
from bot.model import Sentence
from bot.ports import Summarizer
from bot.text.clean import clean_plain_text
from bot.text.language import detect_language
from bot.text.sentences import split_sentences
from tests.briefing.facts import carried, problems

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CASES = [
    (DATA / "seed.digest.json", ROOT / "seeds" / "000_642439005ccd8e9b.txt"),
    (DATA / "briefing" / "en_long.digest.json", DATA / "briefing" / "en_long.txt"),
    (DATA / "briefing" / "en_short.digest.json", DATA / "briefing" / "en_short.txt"),
]

# Articles written for these tests (issue 16), each with its key facts in <stem>.facts.json.
ARTICLES = sorted((DATA / "briefing").glob("*.facts.json"))
# The attribution frame without what was said: "X warnte.", "Y behauptete, ohne Belege vorzulegen."
_SAYING_DE = (r"(?:warnt|warnte|sagt|sagte|behauptet|behauptete|erklärt|erklärte|betont|betonte|"
              r"meinte|kritisierte|forderte|widersprach|bestritt|schrieb|teilte \S+(?: \S+)? mit)")
_SAYING_EN = r"(?:said|says|warned|claimed|argued|added|insisted|told \w+)"
_BARE_FRAME = re.compile(
    rf"\b(?:{_SAYING_DE}(?: am \w+)?(?:, ohne [^,.]*)?"
    rf"|{_SAYING_EN}(?: on \w+)?(?:,? without (?:offering|giving|providing) evidence)?)[.!]?$"
)


def bare_frame(bullet: str) -> bool:
    """Only a subject before the verb: "…, the company said on Tuesday." carries its claim."""
    found = _BARE_FRAME.search(bullet.strip())
    return bool(found) and not re.search(r"[,:;„“”\"»«]", bullet[:found.start()])


def _summarize(article: Path, max_bullets: int) -> tuple[list[str], str, str]:
    text = clean_plain_text(article.read_text(encoding="utf-8")).text
    language = detect_language(text)
    sentences = split_sentences(text, language)
    return ExtractiveSummarizer().summarize(text, sentences, language,
                                            max_bullets=max_bullets), text, language


@pytest.mark.parametrize(("spec_path", "article"), CASES, ids=lambda p: Path(p).stem)
def test_briefing_carries_the_expected_facts(spec_path: Path, article: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    bullets, text, language = _summarize(article, spec["max_bullets"])
    assert language == spec["language"]
    assert problems(bullets, spec, text) == [], bullets


def test_checker_catches_a_bad_briefing() -> None:
    """The fact checker itself: boilerplate, overlong bullets and missing facts all fail."""
    spec = json.loads((DATA / "seed.digest.json").read_text(encoding="utf-8"))
    text = clean_plain_text(CASES[0][1].read_text(encoding="utf-8")).text
    bad = ["Foto: REUTERS", "x" * 301, "Talent schlägt Kapital"]
    found = problems(bad, spec, text)
    assert any("boilerplate" in p for p in found)
    assert any("over 300" in p for p in found)
    assert any("required fact missing: deepseek_cost" in p for p in found)
    assert any("not in the source" in p for p in found)


def test_bullets_are_in_article_order_and_within_limits() -> None:
    bullets, text, _ = _summarize(CASES[0][1], 5)
    positions = [text.find(b[:25]) for b in bullets]
    assert all(p >= 0 for p in positions[:1])
    assert all(len(b) <= 300 for b in bullets)
    assert len(bullets) <= 5


@pytest.mark.parametrize(("case", "lead"), [(0, "deepseek_cost"), (1, "nvidia_drop"),
                                            (2, "what")])
def test_what_happened_leads(case: int, lead: str) -> None:
    """The news first: a lede when the article opens with one (a wire report), else the fact
    the article is about (an essay opening on background); then positions, then background."""
    spec_path, article = CASES[case]
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    bullets, _, _ = _summarize(article, spec["max_bullets"])
    assert carried(bullets[:1], spec["required"][lead]), bullets


def test_max_bullets_is_respected() -> None:
    bullets, _, _ = _summarize(CASES[0][1], 2)
    assert 1 <= len(bullets) <= 2


def test_empty_and_tiny_inputs() -> None:
    s = ExtractiveSummarizer()
    assert s.summarize("", [], "de") == []
    one = [Sentence(0, 27, "Die Regierung ist alarmiert.", ("Die", "Regierung", "ist",
                                                                 "alarmiert", "."))]
    assert s.summarize("Die Regierung ist alarmiert.", one, "de", max_bullets=0) == []


def test_implements_the_summarizer_port() -> None:
    summarizer: Summarizer = ExtractiveSummarizer()
    assert callable(summarizer.summarize)


def test_bare_frame_checker_catches_the_reported_bullets() -> None:
    assert bare_frame("Der Datenschutzbeauftragte Ulrich Kelber warnte.")
    assert bare_frame("Der CDU-Politiker Jens Spahn behauptete, ohne Belege vorzulegen.")
    assert bare_frame("Council member Greg Thornton claimed without offering evidence.")
    assert not bare_frame("Der Datenschutzbeauftragte Ulrich Kelber warnte, die App übertrage Daten "
                          "nach China.")
    assert not bare_frame("Landrätin Karin Vogt kritisierte die Entscheidung scharf.")
    assert not bare_frame("Halvorsen is recalling 84,000 SUVs, the company said on Tuesday.")


@pytest.mark.parametrize("spec_path", ARTICLES, ids=lambda p: Path(p).name.split(".")[0])
def test_article_summary_keeps_key_facts_and_claims(spec_path: Path) -> None:
    """Read as a member would: every key fact is there, in about summary_words words, and no
    bullet is a speaker's name with the statement cut away."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    article = spec_path.with_name(spec_path.name.replace(".facts.json", ".txt"))
    bullets, text, language = _summarize(article, spec["max_bullets"])
    assert language == spec["language"]
    assert problems(bullets, spec, text) == [], bullets
    assert sum(len(b.split()) for b in bullets) <= spec["max_words"], bullets
    assert [b for b in bullets if bare_frame(b)] == [], bullets


def test_summary_words_sets_the_budget(tmp_path: Path) -> None:
    """[briefing] summary_words reaches the summarizer; a smaller budget gives a shorter summary
    of whole bullets, a bad value stops with the key named."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "config.toml").write_text("[briefing]\nsummary_words = 40\n", encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config.briefing.summary_words == 40
    text = clean_plain_text(CASES[0][1].read_text(encoding="utf-8")).text
    sentences = split_sentences(text, "de")
    short = ExtractiveSummarizer(summary_words=40).summarize(text, sentences, "de")
    assert 0 < sum(len(b.split()) for b in short) <= 40
    (tmp_path / "config.toml").write_text("[briefing]\nsummary_words = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="summary_words"):
        load_config(tmp_path / "config.toml")


@pytest.mark.parametrize(("sentence", "language", "expected"), [
    ("Bei den Bauarbeiten seien Schäden am Fundament entdeckt worden.", "de", True),
    ("Marwitz sei der größte Arbeitgeber im Ort.", "de", True),
    ("Ein Bußgeld von bis zu vier Prozent sei möglich, sagte er.", "de", False),
    ("Als Grund nannte Seidel den Mangel: Von neun Stellen seien nur vier besetzt.", "de", False),
    ("„Das sei falsch“, heißt es im Bericht.", "de", False),
    ("Die Bahnstrecke bleibt länger gesperrt als geplant.", "de", False),
    ("The company sei nothing.", "en", False),
])
def test_indirect_speech_leans_on_its_frame(sentence: str, language: str, expected: bool) -> None:
    """German indirect speech without its own verb of saying goes with the sentence that says
    who speaks (a bullet on its own would not say who claims it)."""
    assert continues_reported_speech(sentence, language) is expected
