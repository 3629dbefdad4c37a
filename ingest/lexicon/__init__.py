"""Swedish (and a little English) language knowledge shared by ingest and the bot.

Word lists and patterns that are true of Swedish or of the genre (government and municipal
statements), kept in one place: question words, the verbs a question uses without naming what it
is about, language markers, abbreviations, months and dates, parties, number words, years, and
how a question or a passage leans on what came before. What a question asks for and the phrases
that answer it are in ingest/lexicon/questions.py. No entry is here to fix one question.
"""

from __future__ import annotations

import re

# Swedish question words
INTERROGATIVES = frozenset(
    {"vad", "varför", "hur", "vem", "vilka", "vilket", "vilken", "när", "var"}
)

# words of a question that do not name what it is about: question words, common verbs
QUESTION_WORDS = INTERROGATIVES | frozenset(
    {
        "finns", "mycket", "många", "får", "gör", "kan", "ska", "blir", "tycker", "handlar",
        "inom", "per", "fick", "skrev", "skrevs", "står", "tänker", "höll", "tog", "gick", "går",
        "gjorde", "vill", "kommer", "fanns", "hade", "varken", "heter", "betyder", "innebär",
        "säger", "menar", "förkortningen", "förkortning", "bokstäverna",
    }
)  # fmt: skip

# words that tell an English question from a Swedish one (detect_language)
ENGLISH_MARKERS = frozenset(
    {
        "what", "why", "how", "who", "when", "which", "where", "does", "did", "is", "are", "the",
        "of", "was", "were", "school", "schools", "network", "about", "for", "and", "in", "not",
    }
)  # fmt: skip
SWEDISH_MARKERS = INTERROGATIVES | frozenset(
    {"och", "är", "inte", "som", "det", "för", "att", "på", "har", "om", "med", "ska", "skolan"}
)

# capitalised words that open a question rather than name something in it
QUESTION_OPENERS = frozenset(
    {
        "Vad", "Varför", "Hur", "Vem", "Vilka", "Vilket", "Vilken", "När", "Var", "Finns", "Har",
        "Kan", "Ska", "Är", "What", "Why", "How", "Who", "Which", "When", "Where", "Does", "Did",
        "Is", "Are",
    }
)  # fmt: skip

# abbreviations whose full stop ends no sentence ("m.fl.", "bl.a.", "t.ex.", "kap.", "nr.")
ABBREVIATIONS = frozenset(
    {
        "m.fl", "bl.a", "t.ex", "m.m", "s.k", "dvs", "d.v.s", "jur.kand", "kap", "nr", "st", "resp",
        "ca", "t.o.m", "fr.o.m", "o.d", "p.g.a", "pga", "enl", "jfr", "prop", "dir", "sid", "s",
        "f.d", "mr", "dr", "e.g", "i.e", "etc", "vs", "no", "art", "ht", "vt", "åk",
        "tel",
    }
)  # fmt: skip
# the statements abbreviate in one place and write out in the next ("Andréa Hedin m.fl. (M)" in
# the title, "Andréa Hedin med flera (M)" in the text)
WRITTEN_OUT = {"m.fl.": "med flera", "bl.a.": "bland annat", "t.ex.": "till exempel"}

MONTH_NAMES = (
    "januari februari mars april maj juni juli augusti september oktober november december".split()
)
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
# a day as documents date themselves: "2025-02-12", or written out "(den) 12 februari 2025"
ISO_DATE = r"(?:19|20)\d\d-[01]\d-[0-3]\d"
LONG_DATE = (
    r"(?:den\s+)?(?P<day>\d{1,2})\s+(?P<month>" + "|".join(MONTH_NAMES) + r")\s+"
    r"(?P<year>(?:19|20)\d\d)"
)
# a time of year or a month: "våren 2025", "ht", "senast den 1 mars"
TIME_WORDS = re.compile(r"\b(" + "|".join(MONTH_NAMES) + r"|våren|hösten|vt|ht)\b", re.I)
# the parties of the Riksdag and the city council: a motion's "(båda Vänsterpartiet)" is "(V)"
PARTIES = {
    "vänsterpartiet": "V",
    "socialdemokraterna": "S",
    "miljöpartiet": "MP",
    "centerpartiet": "C",
    "liberalerna": "L",
    "folkpartiet": "FP",
    "moderaterna": "M",
    "kristdemokraterna": "KD",
    "sverigedemokraterna": "SD",
    "feministiskt initiativ": "FI",
}

# the number words of Swedish prose, two to fifty
COUNT_WORDS = (
    "två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|fjorton|femton|sexton|sjutton|"
    "arton|nitton|tjugo|trettio|fyrtio|femtio"
)
NUMBER_WORDS = re.compile(
    r"\b(" + COUNT_WORDS + r"|hundra|tusen|miljon\w*|miljard\w*|hälften|procent|kronor|kr)\b",
    re.I,
)

# a reference to a statute, "(2010:800)" or "SFS 2010:800": its year is neither a date nor an amount
STATUTE_REF = re.compile(r"\b(?:SFS\s*)?(?:19|20)\d\d:\d{1,4}\b")

YEAR = re.compile(r"(?<![\d/:-])((?:19|20)\d\d)(?:\s*[–-]\s*((?:19|20)\d\d))?(?![\d/:])")


def years(text: str) -> set[int]:
    """The years a text speaks of, a span "2021–2024" read as each year in it; the year of a
    statute reference "(2010:800)" or a Dnr "2024/6786" is neither."""
    out: set[int] = set()
    for m in YEAR.finditer(STATUTE_REF.sub(" ", text)):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        out.update(range(first, last + 1) if 0 <= last - first <= 30 else (first, last))
    return out


# --- reading a question and a passage (bot.query, bot.extractive, bot.retrieval) ---------------
# a follow-up leans on the question before: "och Rinkebyskolan då?", "Vad gäller Skärholmen?"
FOLLOW_UP_START = re.compile(
    r"^(och|men|samt|också|än|and|what about|how about|vad gäller|hur är det med|gäller det)\b",
    re.I,
)
# a name a follow-up swaps for the previous question's ("Grimstaskolan" for "Rinkebyskolan")
PROPER_NAME = re.compile(r"\b[A-ZÅÄÖ][a-zåäöé]+(?:skolan|skola|gymnasium|gymnasiet)?\b")
# "… har därför …", "I den nya modellen är detta …": the sentence before says what is meant
BACK_REFERENCE = re.compile(
    r"^\W*(?:\w+\s+){0,5}(?:därför|dessa|detta|denne|därutöver|dessutom)\b", re.I
)
# words by which a question refers to the statement itself ("bilagan till tjänsteutlåtandet om
# X"): every statement ends by proposing that its "tjänsteutlåtande" be approved
SELF_REFERENCE = re.compile(r"\b(?:tjänste)?utlåtande\w*", re.I)
