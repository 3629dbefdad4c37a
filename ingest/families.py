"""Document families as data: ingest/families.toml (or the file UTBOT_FAMILIES_FILE names) says
how each kind of document is recognised, how its own id is written and normalised, where its date
and its title are. Ingest and the bot use the same table: ``ids_in_text`` finds ids in a document
or a question, ``describe`` reads a document's family, id, date and title.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.lexicon import LONG_DATE, MONTHS

DEFAULT_FILE = Path(__file__).with_name("families.toml")
_TITLE_RULES = ("heading", "statement")
_DATE = r"(?P<iso>(?:19|20)\d\d-[01]\d(?:-[0-3]\d)?)|" + LONG_DATE


class FamiliesError(ValueError):
    """The family table cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class DocId:
    scheme: str
    display: str  # as citations show it: "Dir. 2019:91"
    key: str  # one per id whatever its written form: "dir:2019:91"
    start: int
    end: int


@dataclass
class Scheme:
    name: str
    patterns: list[re.Pattern]
    display: str
    key: str
    priority: int


@dataclass
class Family:
    name: str
    doc_type: str
    kind_lines: list[re.Pattern] = field(default_factory=list)
    cues: list[re.Pattern] = field(default_factory=list)
    cue_scope: str = "head"
    schemes: list[str] = field(default_factory=list)
    id_scope: str = "head"
    date_cues: list[re.Pattern] = field(default_factory=list)
    title: str = "heading"
    title_after: list[re.Pattern] = field(default_factory=list)


@dataclass
class Table:
    path: Path
    schemes: dict[str, Scheme]
    families: list[Family]
    head_lines: int = 24
    kind_line_within: int = 5
    cue_chars: int = 1500
    min_title_chars: int = 4
    label_lines: list[re.Pattern] = field(default_factory=list)

    def family(self, name: str) -> Family | None:
        return next((f for f in self.families if f.name == name), None)


def table_path() -> Path:
    return Path(os.environ.get("UTBOT_FAMILIES_FILE") or DEFAULT_FILE)


def load(path: Path | None = None) -> Table:
    """The family table (cached per file and modification time)."""
    path = Path(path or table_path())
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise FamiliesError(
            f"{path}: cannot read the document family table ({exc.strerror}); set "
            "UTBOT_FAMILIES_FILE to an existing file or unset it to use the bundled one"
        ) from None
    return _load(path, mtime)


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: int) -> Table:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FamiliesError(f"{path}: not valid TOML ({exc}); fix the file") from None
    where = str(path)
    cfg = data.get("settings", {})
    schemes = {
        name: _scheme(where, name, spec) for name, spec in _table(where, data, "schemes").items()
    }
    families = []
    for i, spec in enumerate(data.get("families") or []):
        families.append(_family(where, i, spec, schemes))
    if not families:
        raise FamiliesError(f"{where}: no [[families]] entries; the table needs at least one")
    return Table(
        path,
        schemes,
        families,
        int(cfg.get("head_lines", 24)),
        int(cfg.get("kind_line_within", 5)),
        int(cfg.get("cue_chars", 1500)),
        int(cfg.get("min_title_chars", 4)),
        _regexes(where, "settings.label_lines", cfg.get("label_lines", []), re.I),
    )


def _table(where: str, data: dict, name: str) -> dict:
    value = data.get(name)
    if not isinstance(value, dict) or not value:
        raise FamiliesError(f"{where}: [{name}] is missing or empty; define at least one")
    return value


def _scheme(where: str, name: str, spec: dict) -> Scheme:
    field_ = f"schemes.{name}"
    for required in ("patterns", "display", "key"):
        if required not in spec:
            raise FamiliesError(f"{where}: {field_}.{required} is missing")
    flags = 0 if spec.get("case_sensitive") else re.I
    patterns = _regexes(where, f"{field_}.patterns", spec["patterns"], flags)
    for p in patterns:
        if "year" not in p.groupindex and "num" not in p.groupindex:
            raise FamiliesError(
                f"{where}: {field_}.patterns: {p.pattern!r} has no named group (?P<year>…) or "
                "(?P<num>…); an id pattern must name its parts"
            )
    for tmpl in ("display", "key"):
        names = set(re.findall(r"\{(\w+)\}", spec[tmpl]))
        known = set().union(*(p.groupindex for p in patterns))
        if names - known:
            raise FamiliesError(
                f"{where}: {field_}.{tmpl} uses {sorted(names - known)}, which no pattern names"
            )
    return Scheme(name, patterns, spec["display"], spec["key"], int(spec.get("priority", 0)))


def _family(where: str, i: int, spec: dict, schemes: dict[str, Scheme]) -> Family:
    field_ = f"families[{i}]"
    if "name" not in spec:
        raise FamiliesError(f"{where}: {field_}.name is missing")
    field_ = f"families[{i}] ({spec['name']})"
    unknown = [s for s in spec.get("schemes", []) if s not in schemes]
    if unknown:
        raise FamiliesError(
            f"{where}: {field_}.schemes names {unknown}, not defined under [schemes]; "
            f"known: {sorted(schemes)}"
        )
    if spec.get("title", "heading") not in _TITLE_RULES:
        raise FamiliesError(f"{where}: {field_}.title must be one of {list(_TITLE_RULES)}")
    if not spec.get("kind_lines") and not spec.get("cues"):
        raise FamiliesError(f"{where}: {field_} needs kind_lines or cues to be recognised")
    return Family(
        spec["name"],
        spec.get("doc_type", spec["name"]),
        [
            re.compile(rf"^(?:{p.pattern})$", re.I)
            for p in _regexes(where, f"{field_}.kind_lines", spec.get("kind_lines", []), re.I)
        ],
        _regexes(where, f"{field_}.cues", spec.get("cues", []), re.I | re.M),
        spec.get("cue_scope", "head"),
        list(spec.get("schemes", [])),
        spec.get("id_scope", "head"),
        [
            re.compile(rf"(?:{p.pattern})\s*:?\s*(?:{_DATE})", re.I)
            for p in _regexes(where, f"{field_}.date_cues", spec.get("date_cues", []), re.I)
        ],
        spec.get("title", "heading"),
        [
            re.compile(rf"^(?:{p.pattern})$", re.I)
            for p in _regexes(where, f"{field_}.title_after", spec.get("title_after", []), re.I)
        ],
    )


def _regexes(where: str, field_: str, values, flags: int) -> list[re.Pattern]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise FamiliesError(f"{where}: {field_} must be a list of strings (regular expressions)")
    out = []
    for v in values:
        try:
            out.append(re.compile(v, flags))
        except re.error as exc:
            raise FamiliesError(f"{where}: {field_}: {v!r} is not a valid regex ({exc})") from None
    return out


# ids ------------------------------------------------------------------------------------------------
def ids_in_text(
    text: str, table: Table | None = None, schemes: list[str] | None = None
) -> list[DocId]:
    """Every document id in the text, in order; where two schemes claim overlapping text the one
    of higher priority (then the longer match) wins, so "Skr. 2019/20:39" is never a Dnr."""
    table = table or load()
    found: list[DocId] = []
    for scheme in table.schemes.values():
        if schemes is not None and scheme.name not in schemes:
            continue
        for pattern in scheme.patterns:
            for m in pattern.finditer(text):
                groups = {k: v for k, v in m.groupdict().items() if v}
                found.append(
                    DocId(
                        scheme.name,
                        _render(scheme.display, groups),
                        f"{scheme.name}:{_render(scheme.key, _key_groups(groups))}",
                        m.start(),
                        m.end(),
                    )
                )
    prio = {s.name: s.priority for s in table.schemes.values()}
    found.sort(key=lambda d: (-prio[d.scheme], -(d.end - d.start), d.start))
    kept: list[DocId] = []
    for d in found:
        if not any(d.start < k.end and k.start < d.end for k in kept):
            kept.append(d)
    return sorted(kept, key=lambda d: d.start)


def without_ids(text: str, table: Table | None = None) -> str:
    """The text with its document ids blanked out."""
    for d in reversed(ids_in_text(text, table)):
        text = text[: d.start] + " " + text[d.end :]
    return text


def keys_for(md: dict) -> list[str]:
    """The lookup keys of a document's metadata: its stored id_keys, else those its Dnr and
    motion number give (an index built before families were read)."""
    if md.get("id_keys"):
        keys = md["id_keys"]
        return keys.strip("|").split("|") if isinstance(keys, str) else list(keys)
    out = []
    for value in (md.get("ref"), f"Dnr {md['dnr']}" if md.get("dnr") else None):
        out += [d.key for d in ids_in_text(value or "")]
    if md.get("motion_number"):
        out += [d.key for d in ids_in_text(f"motion {md['motion_number']}")]
    return list(dict.fromkeys(out))


def _render(template: str, groups: dict) -> str:
    def optional(m: re.Match) -> str:
        names = re.findall(r"\{(\w+)\}", m.group(1))
        return m.group(1).format_map(groups) if all(n in groups for n in names) else ""

    text = re.sub(r"\[([^\]]*)\]", optional, template)
    return " ".join(text.format_map(_Blank(groups)).split())


def _key_groups(groups: dict) -> dict:
    return {k: (v.lstrip("0") or "0") if v.isdigit() else v.casefold() for k, v in groups.items()}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def parse_date(m: re.Match) -> str:
    if m.group("iso"):
        return m.group("iso")
    month = MONTHS[m.group("month").lower()]
    return f"{m.group('year')}-{month:02d}-{int(m.group('day')):02d}"
