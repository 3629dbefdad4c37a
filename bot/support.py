"""Does the index support an answer? Features for the refusal decision, calibrated on eval data.

- dense: cosine similarity of the question with the best passage (or sentence);
- keyword: share of the question's stems in the best sentence;
- missing: share of the question's content words that occur nowhere in the corpus (a question
  about "skolmaten" or "budget" asks about something the statements never mention). Words one
  edit from a corpus word count as present (misspellings), and so does a word whose synonym the
  answering passage uses ("jobbar" / "arbetar", from the bundled Swedish thesaurus);
- answer type: "Vem …?" wants a name, "Hur många/När …?" a number or date in the chosen sentences.
"""

from __future__ import annotations

import re

from bot.synonyms import bundled
from ingest.keywords import Analyzer, KeywordIndex, words
from ingest.lexicon import (
    NUMBER_WORDS,
    QUESTION_WORDS,
    STATUTE_REF,
    TIME_WORDS,
    years,
)
from ingest.lexicon.questions import (
    AMOUNT_QUESTION,
    AUTHOR_QUESTION,
    BODY_COMPOUND,
    BODY_QUESTION,
    CAPITALISED_INSIDE,
    COUNT_QUESTION,
    DAY_OF_MONTH,
    DAY_QUESTION,
    DURATION,
    DURATION_QUESTION,
    FREQUENCY,
    FREQUENCY_QUESTION,
    MONEY,
    NAME_QUESTION,
    NAMED_BODY,
    NOT_BODIES,
    NUMBER,
    NUMBER_QUESTION,
    PARTY_LETTERS,
    PERSON_NAME,
    PERSON_QUESTION,
    ROLE_OR_BODY,
    SCHOOL_NAME,
    SCHOOL_QUESTION,
    TERM_QUESTION,
    WHEN_QUESTION,
)


def names_something(question: str) -> bool:
    """Has the question a word that is not an interrogative, a common verb or a stop word (or a
    number)? "Hur går det till?" names nothing the statements could be searched for."""
    return any(w not in QUESTION_WORDS for w in words(question))


def missing_share(question: str, analyzer: Analyzer, passage: str = "") -> float:
    """Share of the question's content words the corpus never uses. ``passage`` is the text the
    answer rests on: a word whose thesaurus synonym it uses is a paraphrase, not a new topic."""
    parts = [p for w in words(question) for p in (w.split("-") if not w[0].isdigit() else [w])]
    content = [p for p in parts if p not in QUESTION_WORDS and len(p) >= 5 and not p[0].isdigit()]
    if not content or not analyzer.vocabulary:
        return 0.0
    missing = 0
    passage_stems: set[str] | None = None
    for w in content:
        stem = analyzer.stem(w)
        if stem in analyzer.vocabulary or analyzer.compound_parts(w):
            continue
        if len(stem) >= 6 and _near(stem, analyzer.vocabulary):
            continue
        if passage:
            if passage_stems is None:
                passage_stems = set(analyzer.tokens(passage))
            if bundled(analyzer.stem).alternatives(stem, passage_stems):
                continue
        missing += 1
    return missing / len(content)


def coverage_share(question: str, keywords: KeywordIndex, passage: str, metadata: dict) -> float:
    """How much of what the question is about the answering passage speaks of: the share of the
    question's stems found in the passage or its section heading, each weighted by how rare it
    is in the index (a question's rarest words name what it is about)."""
    stems = set(keywords.analyzer.tokens(question))
    if not stems:
        return 1.0
    idf = keywords.idf(stems)
    heading = metadata.get("section") or ""
    found = stems & set(keywords.analyzer.tokens(f"{heading}\n{passage}"))
    return sum(idf[s] for s in found) / sum(idf.values())


def _near(stem: str, vocabulary: set[str]) -> bool:
    """One insertion, deletion or substitution away from a corpus stem."""
    for i in range(len(stem) + 1):
        if stem[:i] + stem[i + 1 :] in vocabulary:
            return True
    for v in vocabulary:
        if abs(len(v) - len(stem)) <= 1 and v[:2] == stem[:2] and _edit1(v, stem):
            return True
    return False


def _edit1(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _counts(noun: str, text: str) -> bool:
    """Does a number in the text count the noun ("Hur många skolor …?" / "fem skolor", "sjutton
    grundskolor, benämnda fokusskolor")? "två andra kommuner" does not count rektorer."""
    head = noun[:4].lower()
    tokens = re.findall(r"\d+(?:[ ,.]\d+)*|\w+", text.lower())
    for i, tok in enumerate(tokens):
        if tok[0].isdigit() or NUMBER_WORDS.fullmatch(tok):
            if any(t.startswith(head) or head in t for t in tokens[i + 1 : i + 4]):
                return True
    return False


def _names_body(question: str, text: str) -> bool:
    """Does the text name a body the question does not already name: a compound whose last part
    is a body ("Justitiedepartementet"), a capitalised name inside the sentence ("Umeå
    universitet", "Mattecentrum"), "Myndigheten för …", or a party's letters ("(M)")?"""
    asked = {w[:6] for w in re.findall(r"\w+", question.lower())}
    named = [m.group(0) for m in BODY_COMPOUND.finditer(text) if not NOT_BODIES.search(m.group(0))]
    named += [m.group(0) for m in CAPITALISED_INSIDE.finditer(text)]
    if any(w.lower()[:6] not in asked for w in named):
        return True
    return bool(NAMED_BODY.search(text) or PARTY_LETTERS.search(text))


def _names_term(term: str, text: str) -> bool:
    """Every word of a one- or two-word term is in the text, as a word or a word's start, one
    typing error allowed ("fokussskolor" / "fokusskolor")."""
    have = re.findall(r"\w+", text.lower())
    for w in re.findall(r"\w+", term):
        head = w[: max(4, len(w) - 3)]
        if not any(t.startswith(head) or (len(w) >= 6 and _edit1(t, w)) for t in have):
            return False
    return True


# what a question wants: (kind, detail) or None for no particular type
WantedType = tuple[str, str] | None


def wanted_type(question: str) -> WantedType:
    """What the question asks for, read once (bot.question.parse): a definition ("Vad är KUF?"),
    an amount of money, a count of a noun, a number, a frequency ("Hur ofta …?"), a duration, a
    day ("Vilket datum …?"), a date, a school's name, a body ("Vilken myndighet …?"), a person's
    name ("Vilken rektor …?", "Vem är …?") or a person or body ("Vem beslutade …?", "Vilka
    skrev …?"); None otherwise. The patterns are Swedish facts kept in ingest/lexicon/questions.py."""
    q = question.lower().strip()
    if m := TERM_QUESTION.match(q):  # "Vad är KUF?" is answered by a sentence that names KUF
        return ("define", m.group(1))
    if AMOUNT_QUESTION.search(q):  # an amount of money
        return ("amount", "")
    if m := COUNT_QUESTION.match(q):
        return ("count", m.group(1))
    if NUMBER_QUESTION.search(q):  # "Vilken lägsta ålder …?", "Hur stor andel …?"
        return ("number", "")
    if FREQUENCY_QUESTION.match(q):  # "Hur ofta …?": "en gång per vecka"
        return ("frequency", "")
    if DURATION_QUESTION.search(q):  # "Hur länge …?": a count of years, months, weeks …
        return ("duration", "")
    if DAY_QUESTION.match(q):  # "Vilket datum …?": a day of a month
        return ("day", "")
    if WHEN_QUESTION.match(q):
        return ("date", "")
    if SCHOOL_QUESTION.match(q):
        return ("school", "")
    if BODY_QUESTION.match(q):  # "Vilken myndighet …?": a body's name
        return ("body", q)
    if NAME_QUESTION.match(q):  # a name, not a role: "Vilken rektor …?", "Vem är rektor …?"
        return ("name", "")
    if PERSON_QUESTION.match(q) or AUTHOR_QUESTION.match(q):
        return ("person", q)
    return None


def answer_type_ok(question: str, answer_text: str, headings: str = "") -> bool:
    """``type_found`` for a question given as text (the engine reads it once: bot.question)."""
    return type_found(wanted_type(question), answer_text, headings)


def type_found(wanted: WantedType, answer_text: str, headings: str = "") -> bool:
    """Does the answer hold what the question asks for? ``headings`` are the answering passages'
    section names: a passage under "… > Rinkebyskolan" names its school there, not in its text."""
    if wanted is None:
        return True
    kind, detail = wanted
    answer_text = re.sub(r"\[\d+\]", "", answer_text)  # citation markers are not numbers
    answer_text = STATUTE_REF.sub("", answer_text)  # "(2010:800)" is neither a date nor an amount
    if kind == "define":
        return _names_term(detail, answer_text)
    # Swedish prose gives money with its unit: "12 mnkr", "2,7 miljarder kronor"
    if kind == "amount":
        return bool(MONEY.search(answer_text))
    if kind == "count":
        return _counts(detail, answer_text)
    if kind == "number":
        return bool(NUMBER.search(answer_text) or NUMBER_WORDS.search(answer_text))
    if kind == "duration":
        return bool(DURATION.search(answer_text))
    if kind == "frequency":
        return bool(FREQUENCY.search(answer_text))
    if kind == "day":
        return bool(DAY_OF_MONTH.search(answer_text))
    if kind == "date":
        return bool(years(answer_text) or TIME_WORDS.search(answer_text))  # not a Dnr's year
    if kind == "school":
        return bool(SCHOOL_NAME.search(answer_text) or SCHOOL_NAME.search(headings))
    if kind == "body":
        return _names_body(detail, answer_text)
    if PERSON_NAME.search(answer_text) or PARTY_LETTERS.search(answer_text):
        return True  # a name, or a party's letters
    if kind == "name":
        return False
    # "person": a role or a body ("rektorn", "skolslussen") the question does not already name
    asked = {w[:5] for w in re.findall(r"\w+", detail)}
    return any(m.group(0).lower()[:5] not in asked for m in ROLE_OR_BODY.finditer(answer_text))
