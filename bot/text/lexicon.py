"""Small closed word lists for German and English that the ranking and trimming rules need.

Closed classes only (function words, pronouns, speech verbs): they do not go stale the way lists of
names would, and they keep the summarizer free of model files.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word list written as one string."""
    return frozenset(text.split())

STOPWORDS: dict[str, frozenset[str]] = {
    "de": words(
        "der die das des dem den ein eine einer eines einem einen und oder aber doch denn sondern "
        "ist sind war waren wird werden wurde wurden sei seien hat haben hatte hatten habe kann "
        "können könnte könnten soll sollen sollte muss müssen darf dürfen will wollen möchte "
        "nicht nur noch schon auch so wie als als ob wenn dass daß weil da zu zum zur im in am an "
        "auf aus bei mit nach von vom vor über unter um für gegen ohne durch bis seit sich es er "
        "sie wir ihr ich du man sein seine seiner seinen seinem seines ihre ihrer ihren ihrem "
        "dessen deren dies diese dieser dieses diesem diesen jene jener was wer wo hier dort "
        "dabei dafür damit darauf darüber davon dazu dann nun jetzt mehr sehr viel viele einmal "
        "etwa rund bereits derzeit zudem jedoch hingegen derweil also ja nein alle allen aller "
        "man mich mir dich dir uns euch ihm ihn ihnen welche welcher welches keine kein keinen"
    ),
    "en": words(
        "the a an and or but nor so of to in on at by for with from as into onto about over under "
        "than then that this these those it its is are was were be been being has have had do does "
        "did will would can could shall should may might must not no only also just very more most "
        "he she they we you i me him her them us his their our your who whom whose which what when "
        "where why how there here all any some such each other one two said says say told"
    ),
}

# Words whose presence early in a sentence means it leans on the sentence before.
ANAPHORS: dict[str, frozenset[str]] = {
    "de": words(
        "er sie ihm ihn ihr ihre ihrer ihren ihrem sein seine seiner seinen seinem seines "
        "dessen deren dies diese dieser dieses"
    ),
    "en": words("he she they him her them his their its this these it"),
}

# Adverbs that always point back ("Der Ansatz würde dafür nicht reichen").
BACK_ADVERBS: dict[str, frozenset[str]] = {
    "de": words("dafür dazu dadurch deshalb daher darum davon darauf dagegen trotzdem "
                    "ebenfalls außerdem zudem weiter"),
    "en": words("therefore thus also moreover furthermore further"),
}

# Deictic adverbs of place and time: they need a place or time named before them.
DEICTICS: dict[str, frozenset[str]] = {
    "de": words("dort dorthin dortigen dortige dortiger damals daselbst"),
    "en": words("thither"),
}

# Coordinating conjunctions that can open a sentence and be dropped without changing its grammar.
LEADING_CONJUNCTIONS: dict[str, frozenset[str]] = {
    "de": frozenset({"denn", "und", "aber", "doch", "oder"}),
    "en": frozenset({"and", "but", "or"}),
}

RELATIVE_PRONOUNS: dict[str, frozenset[str]] = {
    "de": frozenset({"der", "die", "das", "dessen", "deren", "dem", "den", "welcher", "welche",
                     "welches"}),
    "en": frozenset({"who", "which", "whose", "whom"}),
}

# Tokens that may follow a German relative pronoun (verb-final clause); a lowercase word not in this
# list right after "der/die/das" usually is a finite verb, i.e. a main clause ("..., das galt ...").
RELATIVE_FOLLOWERS_DE = words(
    "der die das den dem des ein eine einen einem einer ich er sie es wir ihr man sich mit von "
    "in im auf aus bei nach vor über unter um für seit zu zum zur nicht noch schon bereits "
    "derzeit seit kurzem selbst sein seine seinen seinem ihre ihren ihrem als je"
)

SPEECH_CUES: dict[str, frozenset[str]] = {
    "de": words(
        "sagt sagte sagten sagen erklärt erklärte betont betonte behauptet behauptete meint "
        "meinte warnt warnte staunt staunte jubelt jubelte kritisiert kritisierte fordert "
        "forderte prognostiziert prognostizierte empört laut zufolge schreibt schrieb spielt "
        "räumt räumte bestreitet bestritt widerspricht widersprach verbreitete"
    ),
    "en": words(
        "said says say told claims claimed argued argues warned warns according wrote writes "
        "added denied denies insisted insists predicted predicts called"
    ),
}

BOILERPLATE_PREFIXES = (
    "Foto:", "Fotos:", "Bild:", "Quelle:", "Grafik:", "Lesen Sie", "Mehr zum Thema", "Photo:",
    "Image:", "Credit:", "Read more", "Read also", "See also", "Related:", "Sign up", "Subscribe",
    "Anzeige", "Werbung", "Advertisement",
)
