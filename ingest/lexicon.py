"""Swedish (and a little English) language knowledge shared by ingest and the bot.

Word lists and patterns that are true of Swedish or of the genre (government and municipal
statements), kept in one place: question words, the verbs a question uses without naming what it
is about, months, number words, and the cue phrases by which a statement gives a deadline, a
reason or a decision. No entry is here to fix one question.
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

MONTH_NAMES = (
    "januari februari mars april maj juni juli augusti september oktober november december".split()
)
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
# a time of year or a month: "våren 2025", "ht", "senast den 1 mars"
TIME_WORDS = re.compile(r"\b(" + "|".join(MONTH_NAMES) + r"|våren|hösten|vt|ht)\b", re.I)
# "Vilket datum …?", "Vilken dag …?" ask for a day, not a season or a year; Swedish prose gives one
# as "den 27 juni 2025", "12 februari", "2025-02-12"
DAY_QUESTION = re.compile(r"^(?:\w+ )?(?:vilket datum|vilken dag)\b", re.I)
DAY_OF_MONTH = re.compile(
    r"\b\d{1,2}(?::e)? (?:" + "|".join(MONTH_NAMES) + r")\b|\b(?:19|20)\d\d-\d\d-\d\d\b", re.I
)

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


# --- kinds of question and the phrases that answer them --------------------------------------
WHY = re.compile(r"^(varför|why|av vilken anledning|hur kommer det sig)\b", re.I)
# "När ska uppdraget redovisas?", "Till när skulle verket vara klart?"
DEADLINE_QUESTION = re.compile(
    r"\b(när|senast|vilket datum|vilken dag|datum)\b.*\b(redovisa\w*|rapportera\w*|lämna\w*|"
    r"slutredovis\w*|delredovis\w*|klar\w*|avslutas|avsluta\w*|presentera\w*)\b|\bsenast\b",
    re.I,
)
# "När ska reglerna börja gälla?", "Från när föreslås lagen gälla?": statutes and proposals say
# when they apply by "träda i kraft"
IN_FORCE_QUESTION = re.compile(
    r"\b(när|vilket datum|vilket år)\b.*\b(gäll\w*|i kraft|tillämpas|införas|börja\w*)\b", re.I
)
DECISION_QUESTION = re.compile(
    r"^(vad|vilket|vilka)\b.*\b(beslut\w*|beslöt|föreslå\w*|föreslog|föreslogs|yrka\w*)\b", re.I
)
# "Hur definieras en internationell skola?", "Vad avses med konfessionella inslag?": the genre
# defines by "definieras som", "avses", "menas"
DEFINITION_QUESTION = re.compile(
    r"\b(hur (?:\w+ )?(?:definiera\w*|avgränsa\w*)|vad (?:avses|menas) med|"
    r"vilken definition|hur (?:\w+ )?begreppet)\b",
    re.I,
)
# "Vilken myndighet …?", "Vilket departement …?", "Vilka avdelningar …?": the question asks for a
# body, and the answer names one
BODY_QUESTION = re.compile(
    r"^(?:\w+ )?(?:vilken|vilka|vilket) (?:ny |nya |annan |andra )?"
    r"(myndighet\w*|organisation\w*|avdelning\w*|parti\w*|departement\w*|lärosäte\w*|nämnd\w*|"
    r"förvaltning\w*|kommun\w*|region\w*|universitet\w*|högskol\w*|aktör\w*|förbund\w*|"
    r"förening\w*|företag\w*|institution\w*|domstol\w*|enhet\w*|instans\w*|organ)\b",
    re.I,
)
# "Vad kostar …?", "Hur stor är budgeten …?", "Till vilket belopp …?": an amount of money.
# "budget" and "belopp" alone, not as the first part of a compound: "budgetramverket",
# "beloppsregeln" name a framework or a rule, not a sum
AMOUNT_QUESTION = re.compile(
    r"\b(kosta\w*|kostnad\w*|cost\w*|budget(?:en|ens|s|ar|arna)?|budgeter(?:ad|ade|at)|"
    r"belopp(?:et|en)?)\b",
    re.I,
)
# "Hur många …?", "Vilken lägsta ålder …?", "Vilken andel …?": a quantity (a telephone number or
# a document's number is not one)
NUMBER_QUESTION = re.compile(
    r"^(?:hur många|hur mycket|hur stor[at]?|how many|how much)\b|"
    r"^(?:\w+ )?(?:vilken|vilket|vilka) (?:lägsta |högsta |nuvarande |nya )?"
    r"(?:ålder|åldersgräns\w*|antal|andel|procent\w*)\b",
    re.I,
)
# "Hur ofta …?": a frequency, which Swedish gives as "en gång per vecka", "varje månad",
# "två gånger om året", "dagligen"
FREQUENCY_QUESTION = re.compile(r"^(?:\w+ )?(?:hur ofta|how often)\b", re.I)
FREQUENCY = re.compile(
    r"\b(?:\w+ gång(?:er)? (?:i|per|om) \w+|(?:varje|var|varannan|varannat) "
    r"(?:dag|vecka|månad|år|termin|kvartal|läsår)|dagligen|veckovis|månadsvis|årligen|"
    r"kvartalsvis|årsvis|terminsvis|once a \w+|every \w+|weekly|monthly|daily|yearly)\b",
    re.I,
)
# "Vilka skrev motionen?", "Vilka står bakom skrivelsen?": "vilka" alone, before a verb of
# writing, signing or submitting, asks who the authors are, as "Vem skrev …?" does
AUTHOR_QUESTION = re.compile(
    r"^vilka (?:har |hade )?(?:skrev|skrivit|undertecknade|undertecknat|"
    r"står bakom|stod bakom|stått bakom|lämnade in|lämnat in|väckte|väckt)\b",
    re.I,
)
# the last part of a Swedish compound that names a body: "Justitiedepartementet",
# "grundskoleavdelningen", "Lantmäteriverket", "Jägarnas Riksförbund", "Mattecentrum"
BODY_HEADS = (
    "myndighet", "verket", "inspektion", "rådet", "styrelse", "nämnd", "förvaltning", "avdelning",
    "departement", "parti", "universitet", "högskola", "institut", "förbund", "förening", "kommun",
    "region", "centrum", "center", "bolag", "stiftelse", "domstol", "kansli", "enhet",
    "sekretariat", "akademi", "organisation", "instans", "kammare", "ombudsman",
)
# compounds with such a last part that name no body: "rektorsnätverket", "områdesrådet"
NOT_BODIES = re.compile(r"nätverk|område", re.I)
# "Hur länge ska rätten gälla?", "Under hur lång tid …?": answered by a duration
DURATION_QUESTION = re.compile(r"\b(hur länge|hur lång tid|how long)\b", re.I)
# "i tre år", "under 18 månader", "ett läsår": a count of a unit of time
DURATION = re.compile(
    r"\b(?:\d+(?:[,.]\d+)?|ett|en|" + COUNT_WORDS + r"|några|flera|ytterligare)\s+(?:\w+\s+)?"
    r"(?:år|års|månad\w*|veck\w*|dag\w*|dygn\w*|timm\w*|termin\w*|läsår\w*|kalenderår\w*)\b",
    re.I,
)
CAUSAL = re.compile(r"\b(eftersom|därför|på grund av|beror på|med anledning av|because)\b", re.I)
# a purpose answers "Varför …?" as a cause does: "… för att förbättra …", "Syftet är …",
# "Bakgrunden till uppdraget är …"
PURPOSE = re.compile(
    r"\b(för att|i syfte att|syft\w*|bakgrund\w*|avse\w* att|skälet|skälen)\b", re.I
)
CUE_PATTERNS = {
    # "Uppdraget ska redovisas senast den 31 mars 2025."
    "deadline": re.compile(r"\bsenast\b|\bska (?:\w+ )?(?:redovisas|lämnas|rapporteras)\b", re.I),
    # "… eftersom …", "… på grund av …"
    "reason": re.compile(CAUSAL.pattern + "|" + PURPOSE.pattern, re.I),
    # "Lagändringarna föreslås träda i kraft den 1 januari 2027."
    "in_force": re.compile(r"\bi kraft\b|\bska tillämpas\b|\btillämpas (?:från|på|första)\b", re.I),
    # "Begreppet … bör definieras som …", "Med internationell skola avses …"
    "definition": re.compile(r"\bdefinier\w* som\b|\bavses\b|\bmenas\b|\bdefinition\b", re.I),
    "decision": re.compile(
        r"\b(beslutar|beslutade|beslöt|beslutat|föreslår|föreslås|föreslog|föreslagit|uppdrar|"
        r"tillstyrker|avstyrker|godkänner|bifall\w*|avslå\w*|yrkar)\b",
        re.I,
    ),
}
# a sentence that restates a question put to the authors rather than answers it
RESTATES = re.compile(
    r"\b(med (?:en )?(?:fråga|frågor) om|frågorna handlar om|i skrivelsen efterfrågas)\b", re.I
)
