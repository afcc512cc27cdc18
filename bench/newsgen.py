"""Varied news-like articles in German and English for the benchmarks, from templates of our own.

Seeded and deterministic: each article draws its people, places, figures and quotes from small
tables, mixes attributed quotes (direct, indirect, "according to"), figures with decimals and
thousands, dates, an occasional abbreviation, URL or ordinal (so the tokenizer's careful path is
exercised, as it is by real feeds), and is cut to 600-1,500 characters at a sentence end.
"""

from __future__ import annotations

import random

WORKLOAD = ("texts generated from the templates in bench/newsgen.py (varied names, figures and "
            "quotes; not real news: a few people say similar sentences, so claims merge more "
            "often than in real feeds)")

_DE = {
    "people": ["Anna Berger", "Thomas Müller", "Claudia Roth", "Jens Weidmann", "Sahra Özdemir",
               "Markus Söder", "Lena Hoffmann", "Kai Wegner", "Friedrich Merz", "Petra Köhler"],
    "roles": ["die Ministerin", "der Sprecher des Konzerns", "die Vorsitzende", "der Analyst",
              "die Bürgermeisterin", "der Verbandschef", "die Ökonomin", "der Gewerkschafter"],
    "orgs": ["die Bundesbank", "Siemens", "die Deutsche Bahn", "der ADAC", "die Stadtwerke",
             "das Umweltbundesamt", "die IG Metall", "Volkswagen", "die EU-Kommission"],
    "places": ["Berlin", "Hamburg", "München", "Leipzig", "Köln", "Frankfurt am Main", "Dresden"],
    "topics": ["die Energiepreise", "den Ausbau der Windkraft", "die neue Schuldenregel",
               "den Streik im Nahverkehr", "die Reform der Rente", "die Zahl der Insolvenzen",
               "den Wohnungsbau", "die Lieferketten"],
    "verbs": ["sagte", "erklärte", "betonte", "kritisierte", "warnte", "behauptete", "räumte ein"],
    "units": ["Prozent", "Millionen Euro", "Milliarden Euro", "Beschäftigte", "Wohnungen"],
}
_EN = {
    "people": ["Sarah Collins", "David Park", "Maria Gonzalez", "James Whitfield", "Priya Nair",
               "Tom Becker", "Olivia Grant", "Ahmed Hassan", "Laura Chen", "Robert Hale"],
    "roles": ["the minister", "a company spokesperson", "the chairwoman", "an analyst",
              "the mayor", "the union leader", "the economist", "a senior official"],
    "orgs": ["the central bank", "Acme Corp", "the city council", "the transport agency",
             "the health ministry", "the workers' union", "Northwind Energy", "the commission"],
    "places": ["London", "Chicago", "Toronto", "Sydney", "Dublin", "Boston", "Manchester"],
    "topics": ["energy prices", "the new budget rule", "the rail strike", "pension reform",
               "the housing shortage", "supply chains", "interest rates", "the wind farm plan"],
    "verbs": ["said", "told reporters", "argued", "warned", "claimed", "insisted", "added"],
    "units": ["percent", "million dollars", "billion dollars", "jobs", "homes"],
}


def _figure(rng: random.Random, language: str) -> str:
    whole = rng.randint(2, 980)
    if rng.random() < 0.3:
        return f"{whole},{rng.randint(1, 9)}" if language == "de" else f"{whole}.{rng.randint(1, 9)}"
    if rng.random() < 0.3:
        return f"{whole}.{rng.randint(100, 999)}" if language == "de" else f"{whole},{rng.randint(100, 999)}"
    return str(whole)


def _draw(rng: random.Random, t: dict[str, list[str]], language: str) -> tuple[str, ...]:
    """One article's cast: person, role, organisation, place, topic, verb, a second person, a figure
    and its unit."""
    person = rng.choice(t["people"])
    other = rng.choice([p for p in t["people"] if p != person])
    return (person, rng.choice(t["roles"]), rng.choice(t["orgs"]), rng.choice(t["places"]),
            rng.choice(t["topics"]), rng.choice(t["verbs"]), other, _figure(rng, language),
            rng.choice(t["units"]))


def _sentences_de(rng: random.Random) -> list[str]:
    t = _DE
    person, role, org, place, topic, verb, other, figure, unit = _draw(rng, t, "de")
    pool = [
        f"{place}. Im Streit um {topic} hat {org} am Dienstag neue Zahlen vorgelegt.",
        f"Demnach stieg der Wert im vergangenen Jahr um {figure} {unit}.",
        f"„Wir können so nicht weitermachen“, {verb} {person}, {role}, am Abend in {place}.",
        f"{other} widersprach: Die Lage sei keineswegs so dramatisch, wie {org} behaupte.",
        f"Nach Angaben von {org} sind rund {_figure(rng, 'de')} {rng.choice(t['units'])} betroffen.",
        f"Kritiker halten die Pläne für zu teuer, Befürworter verweisen auf die Erfahrungen in {place}.",
        f"Laut {person} soll eine Entscheidung bis zum {rng.randint(1, 28)}. März fallen.",
        f"Die Opposition forderte, {topic} müsse Vorrang haben, und kündigte Widerstand an.",
        f"„Das ist ein wichtiges Signal für die Beschäftigten“, sagte {other} der Zeitung.",
        f"Zuvor hatte {org} mitgeteilt, man rechne mit Kosten von {figure} {unit}.",
        f"Weitere Informationen gibt es z. B. unter https://192.0.2.{rng.randint(1, 254)}/info.",
        f"Wie {role} {person} einräumte, ist die Finanzierung noch nicht gesichert.",
        f"Experten rechnen damit, dass sich {topic} erst im Herbst entspannt.",
        f"Bereits im Jahr {rng.randint(2015, 2024)} hatte es ähnliche Debatten gegeben.",
        f"Dr. {other.split()[-1]} nannte die Zahlen „ernüchternd, aber nicht überraschend“.",
    ]
    head, rest = pool[0], pool[1:]
    rng.shuffle(rest)
    return [head, *rest]


def _sentences_en(rng: random.Random) -> list[str]:
    t = _EN
    person, role, org, place, topic, verb, other, figure, unit = _draw(rng, t, "en")
    pool = [
        f"{place} - In the dispute over {topic}, {org} published new figures on Tuesday.",
        f"The figure rose by {figure} {unit} last year, according to {org}.",
        f"\"We cannot carry on like this,\" {person}, {role}, {verb} in {place} on Monday.",
        f"{other} disagreed, saying the situation was far less dramatic than {org} claimed.",
        f"About {_figure(rng, 'en')} {rng.choice(t['units'])} are affected, officials said.",
        f"Critics call the plan too expensive, while supporters point to the experience in {place}.",
        f"A decision is expected by March {rng.randint(1, 28)}, {person} said.",
        f"The opposition demanded that {topic} take priority and promised to fight the plan.",
        f"\"This is an important signal for workers,\" {other} told the newspaper.",
        f"Earlier, {org} said it expected costs of {figure} {unit}.",
        f"More details are posted at https://192.0.2.{rng.randint(1, 254)}/info, the U.S. office said.",
        f"{person} admitted that the funding has not yet been secured.",
        f"Experts don't expect {topic} to ease before the autumn.",
        f"Similar debates took place in {rng.randint(2015, 2024)}, when Dr. {other.split()[-1]} led "
        "the review.",
    ]
    head, rest = pool[0], pool[1:]
    rng.shuffle(rest)
    return [head, *rest]


def article(index: int, language: str, seed: int = 7) -> tuple[str, str]:
    """(title, body): 600-1,500 characters, paragraphs of two or three sentences."""
    rng = random.Random(f"{seed}-{language}-{index}")
    sentences = _sentences_de(rng) if language == "de" else _sentences_en(rng)
    limit = rng.randint(600, 1500)
    body: list[str] = []
    size = 0
    for sentence in sentences:
        if size + len(sentence) > limit and size >= 600:
            break
        body.append(sentence)
        size += len(sentence) + 1
    paragraphs = [" ".join(body[i:i + 3]) for i in range(0, len(body), 3)]
    title = body[0].split(". ", 1)[-1].rstrip(".")[:90] if language == "de" else body[0][:90]
    return f"{title} ({index})", "\n\n".join(paragraphs)
