"""Document metadata read from the cleaned text. A field the text does not give is None.

title, dnr, date (ISO 8601), doc_type, authors (who wrote the skrivelse or motion, with party),
motion number, signatories with roles, handläggare. The Dnr found in a removed page header counts.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ingest.cleaning import NAME_LINE, Block
from ingest.lexicon import ISO_DATE, MONTHS, PARTIES

DNR_RE = re.compile(
    r"\b(?:Dnr|Diarienummer)[.:]?\s+([A-ZÅÄÖ]{2,8}[ -]?\d{4}[/:-]\d{1,6}(?:[-:]\d+)*)"
)
ISO_DATE_RE = re.compile(rf"\b{ISO_DATE}\b")
# "den 12 februari 2025" on one line (a date broken over lines is more often a deadline in the text)
LONG_DATE_RE = re.compile(r"\bden (\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b", re.I)
MOTION_RE = re.compile(r"\b[Mm]otion(?:en)?\s*\(?(?:nr\.?\s*)?(\d{4}:\d{1,3})\)?")
FROM_RE = re.compile(
    r"(?:skrivelse|motion|interpellation|fråga) från ([A-ZÅÄÖÉ][\w\-éü]+(?: [A-ZÅÄÖÉ][\w\-éü]+)+"
    r"(?: m\.fl\.| med flera)?) \(([A-ZÅÄÖ]{1,3})\)"
)
BY_RE = re.compile(
    r"motion (?:om|angående) .{3,200}? av ([A-ZÅÄÖ][^()]{2,80}?) \((?:båda |samtliga )?([\wåäö ]+)\)"
)
NAME_PARTY_RE = re.compile(r"^([A-ZÅÄÖÉ][\w\-éü]+(?: [A-ZÅÄÖÉ][\w\-éü]+)+) \(([A-ZÅÄÖ]{1,3})\)")
_ROLE_WORDS = re.compile(r"[A-ZÅÄÖ][a-zåäö]*(?:direktör|chef)\b(?:, [a-zåäö ]+?(?:chef|direktör))?")
TYPES = [
    (re.compile(r"\bsvar på skrivelse\b", re.I), "svar på skrivelse"),
    (re.compile(r"\bsvar på remissen\b", re.I), "remissvar"),
    (re.compile(r"\bremissvar\b", re.I), "remissvar"),
    (re.compile(r"^kommittédirektiv", re.I), "kommittédirektiv"),
    (re.compile(r"^regeringens proposition", re.I), "proposition"),
    (re.compile(r"\bDOM\b"), "dom"),
]


@dataclass
class DocMetadata:
    title: str | None = None
    title_from: str | None = None  # "text" or "filename"
    dnr: str | None = None
    date: str | None = None
    year: int | None = None  # date's year, else the Dnr's or motion number's year
    doc_type: str | None = None
    authors: list[dict] = field(default_factory=list)  # [{"name", "party"}]
    motion_number: str | None = None
    signatories: list[dict] = field(default_factory=list)  # [{"name", "role"}]
    handlaggare: str | None = None
    recipient: str | None = None
    family: str | None = None  # ingest/families.toml's family name
    ref: str | None = None  # the document's own id as citations show it ("Dir. 2019:91")
    id_keys: list[str] = field(default_factory=list)  # normalised ids it is found by

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def author_label(self) -> str | None:
        if not self.authors:
            return None
        names = " och ".join(a["name"] for a in self.authors)
        parties = sorted({a["party"] for a in self.authors if a.get("party")})
        return f"{names} ({', '.join(parties)})" if parties else names


def extract_metadata(blocks: list[Block], header_dnrs: list[str], stem: str) -> DocMetadata:
    md = DocMetadata()
    first_heading = next((i for i, b in enumerate(blocks) if b.kind == "heading"), len(blocks))
    preamble = [b.text for b in blocks[:first_heading] if b.kind != "signature"]
    body = "\n".join(b.text for b in blocks)
    head_text = "\n".join(preamble)

    dnr = DNR_RE.search(body)
    md.dnr = header_dnrs[0] if header_dnrs else (dnr.group(1) if dnr else None)
    if md.dnr:
        md.dnr = re.sub(r"^([A-ZÅÄÖ]+)[ -]?", r"\1 ", md.dnr)
    md.date = _date(head_text) or _date("\n".join(b.text for b in blocks[:3]))
    md.motion_number = m.group(1) if (m := MOTION_RE.search(body)) else None
    top = "\n".join(b.text for b in blocks[:3] if b.kind in ("heading", "subheading"))
    md.doc_type = _doc_type(head_text, body) or ("dom" if re.search(r"^DOM$", top, re.M) else None)
    md.authors = _authors(body)
    md.signatories = _signatories(blocks)
    md.handlaggare = _after_label(preamble, "Handläggare")
    md.recipient = _after_label(preamble, "Till")
    md.title, md.title_from = _title(preamble, blocks, md.motion_number, stem)
    year = md.date or (re.search(r"\d{4}", md.dnr).group(0) if md.dnr else None) or md.motion_number
    md.year = int(year[:4]) if year else None
    return md


def _date(text: str) -> str | None:
    if m := ISO_DATE_RE.search(text):
        return m.group(0)
    if m := LONG_DATE_RE.search(text):
        return f"{m.group(3)}-{MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    return None


def _doc_type(head: str, body: str) -> str | None:
    for pattern, name in TYPES:
        if pattern.search(head):
            return name
    if re.search(r"\bsvar på remissen\b", body, re.I) and re.search(r"\bmotion", body, re.I):
        return "remissvar på motion"
    if re.search(r"\btjänsteutlåtande\b", body, re.I):
        return "tjänsteutlåtande"
    return None


def _authors(body: str) -> list[dict]:
    if m := FROM_RE.search(body):
        return [{"name": m.group(1), "party": m.group(2)}]
    if m := BY_RE.search(body):
        party = PARTIES.get(m.group(2).strip().lower(), m.group(2).strip())
        names = re.split(r",\s*| och ", m.group(1))
        return [{"name": n.strip(), "party": party} for n in names if n.strip()]
    for line in body.split("\n"):
        if (m := NAME_PARTY_RE.match(line)) and "motion" in line.lower():
            return [{"name": m.group(1), "party": m.group(2)}]
    return []


def _signatories(blocks: list[Block]) -> list[dict]:
    out: list[dict] = []
    sig = [b for b in blocks if b.kind == "signature"]
    i = 0
    while i < len(sig):
        if NAME_LINE.match(sig[i].text) and i + 1 < len(sig):
            names = _split_names(sig[i].text)
            role_text = sig[i + 1].text
            j = i + 2
            while j < len(sig) and sig[j].text[:1].islower():
                role_text += " " + sig[j].text
                j += 1
            roles = _ROLE_WORDS.findall(role_text) or [role_text]
            if len(roles) < len(names):
                roles = re.split(r"\s{2,}", role_text)
            for k, name in enumerate(names):
                out.append({"name": name, "role": roles[k].strip() if k < len(roles) else None})
            i = j
        else:
            i += 1
    return out


def _split_names(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s{2,}", text) if p.strip()]
    if len(parts) > 1:
        return parts
    words = text.split()
    if len(words) == 4:  # "Thomas Persson Johanna Engman"
        return [" ".join(words[:2]), " ".join(words[2:])]
    return [text]


def _after_label(lines: list[str], label: str) -> str | None:
    for i, line in enumerate(lines[:-1]):
        if line.strip().lower() == label.lower():
            return re.sub(r"\s+\d{4}-\d\d-\d\d$", "", lines[i + 1]).strip() or None
    return None


def _title(
    preamble: list[str], blocks: list[Block], motion: str | None, stem: str
) -> tuple[str | None, str | None]:
    for i, line in enumerate(preamble):
        if re.match(r"^(Svar på|Remissvar|Yttrande över)", line) and i > 0:
            return preamble[i - 1], "text"
    if preamble and not re.match(r"^(Handläggare|Till)\b", preamble[0]) and len(preamble[0]) <= 120:
        if (
            re.match(r"^(Kommittédirektiv|Tjänsteutlåtande|Promemoria)$", preamble[0])
            and len(preamble) > 1
        ):
            return preamble[1], "text"  # the document kind, then its title
        return preamble[0], "text"
    for b in blocks:
        if m := re.match(r"^(?:\d\. )?Motion (\d{4}:\d+):?\s+(.{5,150}?)\.?$", b.text):
            return f"Motion {m.group(1)}: {m.group(2)}", "text"
        if m := re.search(r"\bmotion \((\d{4}:\d+)\) (om .{5,120}?)\.", b.text):
            return f"Motion {m.group(1)} {m.group(2)}", "text"
    readable = re.sub(r"[_-]+", " ", stem).strip()
    return (readable[:1].upper() + readable[1:]) if readable else None, "filename"
