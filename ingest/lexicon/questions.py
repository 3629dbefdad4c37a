"""What a question asks for, and the Swedish phrases by which the genre's prose gives it.

The kinds of question (why, deadline, in force, decision, definition), the answer types a question
wants (a body, an amount, a count, a day, a person's name …) and the cue phrases of the sentences
that answer them. Each pattern is true of Swedish or of the genre; none is here to fix one
question. The words they build on are in ingest/lexicon/__init__.py.
"""

from __future__ import annotations

import re

from ingest.lexicon import COUNT_WORDS, ISO_DATE, MONTH_NAMES

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
    "myndighet",
    "verket",
    "inspektion",
    "rådet",
    "styrelse",
    "nämnd",
    "förvaltning",
    "avdelning",
    "departement",
    "parti",
    "universitet",
    "högskola",
    "institut",
    "förbund",
    "förening",
    "kommun",
    "region",
    "centrum",
    "center",
    "bolag",
    "stiftelse",
    "domstol",
    "kansli",
    "enhet",
    "sekretariat",
    "akademi",
    "organisation",
    "instans",
    "kammare",
    "ombudsman",
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

# --- answer types: what a question asks for and how Swedish prose gives it (bot.support) -------
# "Vad är KUF?", "Vad betyder förkortningen …?": a one- or two-word term to be defined
TERM_QUESTION = re.compile(
    r"^(?:vad (?:är|betyder|innebär|menas med)) (?:en |ett )?((?:[\w-]+)(?: [\w-]+)?)\W*$"
)
COUNT_QUESTION = re.compile(r"^hur många (?:av )?(?:de |dem )?(\w+)")  # "Hur många skolor …?"
# "Vilket datum …?", "Vilken dag …?" ask for a day, not a season or a year; Swedish prose gives one
# as "den 27 juni 2025", "12 februari", "2025-02-12"
DAY_QUESTION = re.compile(r"^(?:\w+ )?(?:vilket datum|vilken dag)\b", re.I)
DAY_OF_MONTH = re.compile(
    r"\b\d{1,2}(?::e)? (?:" + "|".join(MONTH_NAMES) + rf")\b|\b{ISO_DATE}\b", re.I
)
# a date or time: "När …?", "Från vilket år …?", "Under vilken period …?" (DAY_QUESTION asks for a
# day)
WHEN_QUESTION = re.compile(
    r"^(?:(?:från |sedan |till )?när|when|(?:från |under |sedan |till )?"
    r"(?:vilket år|vilka år|vilken period|vilken termin))\b"
)
# "Vilka skolor …?" asks for schools by name ("Hagsätraskolan", "Kungsholmens gymnasium")
SCHOOL_QUESTION = re.compile(
    r"^(?:vilken|vilka) (?:skola|skolor|skolorna|gymnasium|gymnasier|gymnasieskola|gymnasieskolor|"
    r"grundskola|grundskolor)\b"
)
SCHOOL_NAME = re.compile(
    r"\b[A-ZÅÄÖ]\w*(?:skolan|skola|gymnasiet|gymnasium)\b|\b[A-ZÅÄÖ]\w+ (?:gymnasium|School)\b"
)
# "Vilken rektor/forskare …?" asks for a person's name, as "Vem är …?" does
PERSON_NOUN = (
    r"(?:forskare|rektor|rektorn|person|personer|politiker|tjänsteman|tjänstemän|lärare|chef|"
    r"direktör|ordförande|författare|ledamot|ledamöter|handläggare|samordnare|skribent|"
    r"skribenter|motionär|motionärer|motionärerna|förslagsställare|undertecknare)"
)
NAME_QUESTION = re.compile(rf"^(?:(?:vilken|vilka) {PERSON_NOUN}|(?:vem|who) (?:är|var|is|was))\b")
# "Vem beslutade …?": a person or a body (AUTHOR_QUESTION above asks the same)
PERSON_QUESTION = re.compile(r"^(vem|vilka personer|who)\b")
# two capitalised words not at a sentence start; after "t.ex." or "bl.a." the sentence goes on
PERSON_NAME = re.compile(
    r"(?:(?<=t\.ex\. )|(?<=bl\.a\. )|(?<![.!?]\s)(?<!^))\b[A-ZÅÄÖ][a-zåäöé]+ [A-ZÅÄÖ][a-zåäöé]+"
)
PARTY_LETTERS = re.compile(r"\([A-ZÅÄÖ]{1,3}\)")  # "Anna Berg (M)"
# a role or a body that answers "Vem …?" without a name: "rektorn", "skolslussen"
ROLE_OR_BODY = re.compile(
    r"\b\w*(?:nämnd|förvaltning|sluss|chef|direktör|rektor|samordnare|handläggare|avdelning|"
    r"enhet|team|verket|universitet|departement|kommun|partiet)\w*\b",
    re.I,
)
# a compound whose last part names a body ("Justitiedepartementet", "grundskoleavdelningen")
BODY_COMPOUND = re.compile(
    rf"\b\w+?(?:{'|'.join(BODY_HEADS)})(?:en|et|n|t|s|er|ar|na|erna|arna|ens|ets|ernas|arnas)?\b",
    re.I,
)
# a capitalised word inside a sentence ("åt Statens kulturråd", "med Mattecentrum")
CAPITALISED_INSIDE = re.compile(r"(?<![.!?:]\s)(?<!^)(?<![.!?:])\b[A-ZÅÄÖ][\wåäöé-]{2,}")
# a body's own name opening a sentence: "Myndigheten för skolutveckling får …"
NAMED_BODY = re.compile(rf"\b(?:{'|'.join(BODY_HEADS)})\w* (?:för|mot) \w+", re.I)
# money is given with its unit: "12 mnkr", "2,7 miljarder kronor"
MONEY = re.compile(r"\b(kr|kronor|tkr|mnkr|mdkr|miljon\w*|miljard\w*|euro|sek)\b", re.I)
# a number that is not a year, a Dnr's "2024/6786" or a span's end
NUMBER = re.compile(r"(?<![\d/–-])\b(?!(?:19|20)\d\d\b)\d+(?:[ ,.]\d+)*\b(?![/–-]\d)")
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
