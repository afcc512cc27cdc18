"""Word lists for attribution: cue verbs, nouns and prepositions, hedges, evidence phrases, roles.

Verbs are matched on simplemma lemmas (casefolded) and, because simplemma misses some participles
and inflections, on surface forms as well. Keep the lists plain data: the rules live in extract.py.
"""

from __future__ import annotations

import re
from importlib.resources import files

# --- speech, thought and claim verbs (lemma -> kind) ---------------------------------------------

def _data(name: str) -> list[str]:
    """A word list of ``bot/claims/data`` (one entry a line, ``#`` comments; see its README)."""
    text = files("bot.claims").joinpath("data", name).read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines()
            if line.split("#", 1)[0].strip()]


_DE_SPEECH = _data("speech.de.txt")
_DE_PREDICT = _data("predict.de.txt")
_EN_SPEECH = _data("speech.en.txt")
_EN_PREDICT = _data("predict.en.txt")
# thought and stance verbs: cues only with a that/dass (or Konjunktiv) clause
MENTAL_LEMMAS: dict[str, set[str]] = {lang: set(_data(f"mental.{lang}.txt")) for lang in ("de", "en")}
# denial verbs; "weisen zurück" is a separable verb: lemma and the particle that must close it
DENIALS: dict[str, set[tuple[str, str | None]]] = {
    lang: {(w.split()[0], w.split()[1] if " " in w else None) for w in _data(f"denial.{lang}.txt")}
    for lang in ("de", "en")
}
# nouns of accusation: a denial of one answers a claim that names the denier
ACCUSATIONS: dict[str, frozenset[str]] = {
    lang: frozenset(_data(f"accusation.{lang}.txt")) for lang in ("de", "en")
}
_EN_INTEND = _data("intend.en.txt")
# cues only beside a direct quote ("“…,” he continued")
QUOTE_LEMMAS: dict[str, set[str]] = {"en": set(_data("quote.en.txt")), "de": set()}
_DE_INTEND = [
    "möchte", "möchten", "will", "wollen", "plant", "planen", "beabsichtigt", "beabsichtigen"
]

SPEECH_LEMMAS: dict[str, set[str]] = {
    lang: set(speech) | set(predict) | {lemma for lemma, _ in DENIALS[lang]} | MENTAL_LEMMAS[lang]
    for lang, speech, predict in (("de", _DE_SPEECH, _DE_PREDICT), ("en", _EN_SPEECH, _EN_PREDICT))
}
PREDICT_LEMMAS = set(_DE_PREDICT) | set(_EN_PREDICT)
INTEND_FORMS = {"de": set(_DE_INTEND), "en": set(_EN_INTEND)}

# surface forms simplemma gets wrong or leaves alone (participles, English past tense)
SURFACE: dict[str, dict[str, str]] = {
    "de": {
        "prognostiziert": "prognostizieren", "behauptet": "behaupten", "staunt": "staunen",
        "jubelt": "jubeln", "empört": "empören", "überzeugt": "überzeugt", "sagte": "sagen",
        "sagten": "sagen", "erklärte": "erklären", "betonte": "betonen", "warnte": "warnen",
        "schrieb": "schreiben", "twitterte": "twittern", "räumte": "räumen",
    },
    "en": {
        "said": "say", "says": "say", "told": "tell", "tells": "tell", "wrote": "write",
        "writes": "write", "argued": "argue", "warned": "warn", "claimed": "claim",
        "adding": "add", "added": "add", "saying": "say", "noted": "note", "insisted": "insist",
        "denied": "deny", "predicted": "predict", "expects": "expect", "expect": "expect",
        "expected": "expect", "plans": "plan", "planned": "plan", "intends": "intend",
        "stated": "state", "announced": "announce", "reported": "report", "believes": "believe",
        "disputed": "dispute", "questioned": "question", "estimated": "estimate",
        "forecast": "forecast", "alleged": "allege", "asserted": "assert", "replied": "reply",
        "confirmed": "confirm", "acknowledged": "acknowledge", "admitted": "admit",
        "cautioned": "caution", "declared": "declare", "stressed": "stress",
        "explained": "explain", "suggested": "suggest", "posted": "post", "tweeted": "tweet",
    },
}

# separable German verbs: base lemma -> particle that must close the clause
SEPARABLE: dict[str, tuple[str, ...]] = {
    "führen": ("an", "aus"), "spielen": ("herunter",), "kündigen": ("an",), "teilen": ("mit",),
    "weisen": ("zurück", "hin"), "räumen": ("ein",), "sagen": ("voraus",),
    "geben": ("zu", "bekannt", "an"), "fügen": ("hinzu",), "sprechen": ("aus",),
    "schlagen": ("an", "vor"), "gehen": ("aus",), "stellen": ("klar", "fest"),
    "halten": ("fest",), "machen": ("deutlich", "geltend"), "streiten": ("ab",),
    "werfen": ("vor",), "fordern": ("auf",), "heben": ("hervor",), "bieten": ("an",),
}
# base verbs that are only cues with their particle (or, for schlagen, with "Töne")
NEEDS_PARTICLE = {"führen", "spielen", "kündigen", "teilen", "weisen", "räumen", "geben", "fügen",
                  "schlagen", "sprechen", "gehen", "stellen", "halten", "machen", "streiten",
                  "werfen", "heben", "bieten"}
# cues that introduce a speaker without a message of their own ("schlägt versöhnliche Töne an")
INTRODUCERS = {"schlagen"}

# nouns that carry a claim: "die Behauptung von X: Dass ...", "Angaben", "Aussage"
CLAIM_NOUNS = {
    "de": {"behauptung", "aussage", "einschätzung", "prognose", "vorwurf", "ansicht", "warnung",
           "darstellung", "mitteilung", "erklärung", "stellungnahme"},
    "en": {"claim", "assertion", "allegation", "statement", "assessment", "prediction"},
}

# "nach Angaben der Polizei", "seiner Meinung nach", "nach Ansicht von X"
NACH_NOUNS = {"angaben", "informationen", "ansicht", "meinung", "auffassung", "einschätzung",
              "darstellung", "erkenntnissen", "aussagen", "aussage", "worten", "vernehmen",
              "berichten", "schätzungen", "überzeugung"}

# heads of "nach …" frames beyond NACH_NOUNS ("nach Polizeiangaben", "nach einem Fernsehbericht")
NACH_SOURCE_HEADS = set(_data("source_nouns.de.txt"))

# "sät Zweifel", "äußert Zweifel": a doubt voiced by the subject
DOUBT_VERBS = {"säen", "sät", "äußern", "wecken", "haben", "hegen", "raise", "cast", "voice"}
DOUBT_NOUNS = {"zweifel", "doubt", "doubts"}

# --- reported / hedged statements ------------------------------------------------------------------

REPORT_ADVERBS = {
    # "offenbar"/"offenkundig" are the article's own inference, not someone's claim: hedges only
    "de": {"angeblich", "mutmaßlich", "vermeintlich", "anscheinend"},
    "en": {"reportedly", "allegedly", "supposedly", "purportedly", "apparently"},
}
HEDGES = {
    "de": {"angeblich", "mutmaßlich", "offenbar", "vermutlich", "möglicherweise", "vielleicht",
           "könnte", "könnten", "dürfte", "dürften", "anscheinend", "wahrscheinlich",
           "vermeintlich", "eventuell"},
    "en": {"reportedly", "allegedly", "supposedly", "apparently", "possibly", "perhaps", "may",
           "might", "could", "likely", "probably", "purportedly", "seemingly"},
}

# --- prepositional attributions ----------------------------------------------------------------------

PREP_CUES = {"de": {"laut", "lt.", "gemäß", "zufolge"}, "en": {"according"}}

# --- Konjunktiv I (and II in continuation) -----------------------------------------------------------

KONJUNKTIV = {"sei", "seien", "habe", "werde", "könne", "müsse", "solle", "wolle", "dürfe",
              "gebe", "stehe", "liege", "gehe", "komme", "bestehe", "wisse", "sehe", "halte"}
KONJUNKTIV_II = {"würde", "würden", "wäre", "wären", "hätte", "hätten"}

# --- evidence ------------------------------------------------------------------------------------------

NO_EVIDENCE = re.compile(
    r"\b(?:Beweise?|Belege?|Nachweise?)\b[^.!?]{0,40}\b(?:keine?n?|nicht|schuldig)\b"
    r"|\bohne\b[^.!?]{0,25}\b(?:Beweise?|Belege?|Nachweise?|zu belegen|zu beweisen)\b"
    r"|\b(?:keine|keinerlei)\s+(?:Beweise?|Belege?|Nachweise?)\b"
    r"|\bwithout\s+(?:providing\s+|offering\s+|citing\s+|giving\s+|presenting\s+)?"
    r"(?:any\s+)?(?:evidence|proof)\b"
    r"|\b(?:did|does|do)\s+not\s+(?:share|provide|offer|give|present|cite)\s+"
    r"(?:that\s+|any\s+|the\s+|this\s+)?(?:evidence|proof)\b"
    r"|\b(?:provided|offered|gave|presented|cited)\s+no\s+(?:evidence|proof)\b"
    r"|\bno evidence (?:was|has been) (?:provided|given|offered|presented)\b",
    re.IGNORECASE,
)
DOCUMENT_SOURCE = re.compile(
    r"(?:report|study|studie|bericht|untersuchung|umfrage|survey|poll|statistik|statistics|"
    r"paper|filing|dokument|document|index|erhebung|gutachten)",
    re.IGNORECASE,
)
DOCUMENT_WORDS = re.compile(
    r"(?:report|study|studie|bericht|untersuchung|umfrage|survey|statistik|statistics|data\b|"
    r"daten\b|paper|analyse|analysis|filing|dokument|document|index|erhebung|gutachten|"
    r"zahlen\b|figures\b|white paper|research note)",
    re.IGNORECASE,
)

# --- claimants ----------------------------------------------------------------------------------------

DETERMINERS = {
    "der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem", "einen",
    "sein", "seine", "seinem", "seinen", "seiner", "ihr", "ihre", "ihrem", "ihren", "ihrer",
    "dessen", "deren", "dieser", "diesem", "diesen", "dieses", "diese", "the", "a", "an", "his",
    "her", "its", "their", "this", "that", "these"
}
ROLE_WORDS = {
    # German
    "chef", "chefin", "ceo", "präsident", "präsidentin", "gründer", "gründerin", "pionier",
    "experte", "experten", "expertin", "sprecher", "sprecherin", "minister", "ministerin",
    "kanzler", "kanzlerin", "senator", "abgeordnete", "abgeordneter", "analyst", "analysten",
    "forscher", "forscherin", "direktor", "direktorin", "vorsitzende", "vorsitzender", "leiter",
    "leiterin", "modell", "ki-modell", "investor", "unternehmer", "milliardär", "republikaner",
    "demokrat", "chief", "geschäftsführer", "vorstand", "vorstandschef", "konzernchef",
    # English
    "president", "secretary", "representative", "rep.", "sen.", "executive",
    "officer", "spokesperson", "spokesman", "spokeswoman", "analysts", "researchers",
    "researcher", "lawyer", "attorney", "founder", "co-founder", "chairman", "chairwoman",
    "chair", "director", "head", "governor", "press", "policy", "security", "data",
    "protection", "official", "officials", "commissioner", "economist", "economists", "professor",
    "prof.", "dr.", "mr.", "ms.", "mrs.", "billionaire", "pioneer", "expert",
    "experts", "engineer", "scientist", "scientists", "manager", "partner", "member", "staff",
    "commerce", "house", "white", "vice",
}
ROLE_SUFFIXES = ("chef", "chefin", "ceo", "präsident", "präsidentin", "gründer", "pionier",
                 "experten", "experte", "sprecher", "minister", "modell", "analyst", "forscher")
LINKERS = {"at", "for", "of", "von", "bei", "'s", "’s", "wie", "such", "as", "und", "and"}
PERSON_PRONOUNS = {"er", "sie", "he", "she", "ihm"}
THING_PRONOUNS = {"es", "it", "they"}
ORG_DESCRIPTIONS = {
    "regulator", "authority", "watchdog", "firm", "company", "bank", "agency", "ministry",
    "commission", "government", "start-up", "startup", "group", "court", "behörde", "unternehmen",
    "konzern", "firma", "regierung", "ministerium", "aufsicht", "gericht",
}
PERSON_DESCRIPTIONS = {"republikaner", "demokrat", "minister", "politiker", "manager", "chef",
                       "sprecher", "sprecherin", "senator", "lawmaker", "official", "executive"}
# the unions the stages test tokens against, built once instead of on every test
PRONOUNS = frozenset(PERSON_PRONOUNS | THING_PRONOUNS)
DESCRIPTIONS = frozenset(ORG_DESCRIPTIONS | PERSON_DESCRIPTIONS)


def _with_ss(words: set[str]) -> set[str]:
    """simplemma casefolds lemmas ("äußern" -> "äussern"): accept both spellings."""
    return words | {w.replace("ß", "ss") for w in words}


for _lang in ("de", "en"):
    SPEECH_LEMMAS[_lang] = _with_ss(SPEECH_LEMMAS[_lang])
    MENTAL_LEMMAS[_lang] = _with_ss(MENTAL_LEMMAS[_lang])
DOUBT_VERBS = _with_ss(DOUBT_VERBS)
