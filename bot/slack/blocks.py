"""Block Kit for answers, and the escaping that keeps document text inert in Slack.

Every string that comes from a document or a user goes through :func:`escape` before it is put in
a message. Slack's control characters (``&``, ``<``, ``>``) are entity-encoded, so no
``<!channel>``, ``<@U…>``, ``<#C…>`` or ``<url|label>`` can come out of a passage; ``@channel``,
``@here``, ``@everyone`` and bare URLs are broken with a zero-width joiner so Slack neither
notifies nor links. Text objects that carry such text are also sent with ``verbatim: true``.

Slack has no escape for its formatting marks, so a passage's ``*bold*``, ``_italic_``,
``~strike~`` or backticks would render as formatting. Where such a mark could open or close
formatting (at a word's edge; backticks always) it is replaced by the look-alike that jsx-slack
uses for the same purpose (∗ ˍ ∼ ˋ), and a line that would start a block quote gets an invisible
soft hyphen first; ``a_b_c.pdf`` keeps its underscores. Clipping never cuts an entity (``&amp;``)
or a ``<…>`` in two.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.models import Answer, Citation

ZWJ = "\u200d"
SOFT_HYPHEN = "\u00ad"
MAX_FOLDED_SOURCES = 3
PASSAGE_CHARS = 600
SECTION_CHARS = 2900  # Slack's limit for a section text is 3000

ACTION_MORE_SOURCES = "show_more_sources"
ACTION_FEEDBACK_UP = "feedback_up"
ACTION_FEEDBACK_DOWN = "feedback_down"
ACTION_SHARE = "share_answer"
VIEW_FEEDBACK_COMMENT = "feedback_comment"

_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_URL_SCHEME = re.compile(r"\b([a-z][a-z0-9+.-]{1,20}):(//)", re.IGNORECASE)
_WWW = re.compile(r"\bwww\.", re.IGNORECASE)
_LOOK_ALIKE = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
# a formatting mark next to a non-word character or an edge could open or close formatting
_MARK_AT_EDGE = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
_QUOTE_START = re.compile(r"^(?=&gt;)", re.MULTILINE)
_CUT_TAIL = re.compile(r"&#?[a-zA-Z0-9]*$|<[^>]*$")


class TemplateError(RuntimeError):
    """A message template is missing or was rendered without one of its variables."""


class Templates:
    """User-facing message templates: ``<prompts_dir>/slack/<name>.txt``, str.format syntax."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise TemplateError(f"Slack message templates not found: {self.directory}")
        self._texts = {
            p.stem: p.read_text(encoding="utf-8").rstrip("\n") for p in self.directory.glob("*.txt")
        }

    @classmethod
    def from_prompts_dir(cls, prompts_dir: Path) -> Templates:
        return cls(Path(prompts_dir) / "slack")

    def render(self, name: str, **values: object) -> str:
        try:
            text = self._texts[name]
        except KeyError:
            raise TemplateError(f"missing template {self.directory / (name + '.txt')}") from None
        needed = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        missing = sorted(needed - values.keys())
        if missing:
            raise TemplateError(f"template {name}.txt needs {', '.join(missing)}")
        return text.format(**values)


def escape(text: str | None) -> str:
    """Make document or user text inert in Slack mrkdwn (no mentions, broadcasts or links)."""
    if not text:
        return ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BROADCAST.sub(lambda m: "@" + ZWJ + m.group(1), text)
    text = _URL_SCHEME.sub(lambda m: m.group(1) + ZWJ + ":" + m.group(2), text)
    text = _WWW.sub(lambda m: m.group(0)[:3] + ZWJ + ".", text)
    text = _MARK_AT_EDGE.sub(lambda m: _LOOK_ALIKE[m.group(0)], text)
    return _QUOTE_START.sub(SOFT_HYPHEN, text)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": _clip_lines(text, SECTION_CHARS), "verbatim": True}


def _clip_lines(text: str, limit: int) -> str:
    """At most ``limit`` characters of escaped mrkdwn, never ending in a cut entity or link."""
    if len(text) <= limit:
        return text
    return _CUT_TAIL.sub("", text[: limit - 1]) + "…"


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def citation_block(c: Citation, t: Templates) -> dict:
    """One source, compactly: title, then kind · id · date · section · page, then the quoted
    passage."""
    title = t.render("citation_title", n=c.n, title=escape(c.title or c.source))
    kind, ident, is_dnr = c.identity()
    meta = [escape(kind)] if kind else []
    if ident:
        meta.append(t.render("citation_dnr", dnr=escape(ident)) if is_dnr else escape(ident))
    if c.date:
        meta.append(escape(c.date))
    if c.section:
        meta.append(t.render("citation_section", section=escape(c.section)))
    if c.page:
        meta.append(t.render("citation_page", page=escape(c.page)))
    quote = "> " + escape(_clip(c.text, PASSAGE_CHARS))
    lines = [title] + ([" · ".join(meta)] if meta else []) + [quote]
    return {"type": "section", "text": _mrkdwn("\n".join(lines))}


def answer_blocks(
    answer: Answer,
    t: Templates,
    answer_id: str,
    *,
    expanded: bool = False,
    shareable: bool = False,
    feedback: bool = True,
) -> list[dict]:
    """The answer (or no direct answer and the passages on the topic, or a plain refusal and the
    nearest passages), its sources, then the buttons."""
    blocks: list[dict] = []
    if answer.outcome == "passages":  # on topic, but no sentence answers: the passages do
        blocks.append(
            {"type": "section", "text": _mrkdwn(t.render("passages", message=escape(answer.answer)))}
        )
        sources = answer.nearest
        label = t.render("passages_label")
    elif answer.refused:
        blocks.append(
            {"type": "section", "text": _mrkdwn(t.render("refused", refusal=escape(answer.answer)))}
        )
        sources = answer.nearest
        label = t.render("nearest_label")
    else:
        blocks.append({"type": "section", "text": _mrkdwn(escape(answer.answer))})
        sources = answer.citations
        label = t.render("sources_label")
    if answer.note:  # e.g. why the model's answer was replaced by the extractive one
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(answer.note))]})
    resolved = answer.resolved_question
    if resolved and resolved.strip() != answer.question.strip():
        text = t.render("resolved_question", question=escape(resolved))
        blocks.append({"type": "context", "elements": [_mrkdwn(text)]})
    if sources:
        blocks.append({"type": "context", "elements": [_mrkdwn(label)]})
        shown = sources if expanded else sources[:MAX_FOLDED_SOURCES]
        blocks.extend(citation_block(c, t) for c in shown)
    buttons = []
    hidden = len(sources) - MAX_FOLDED_SOURCES
    if not expanded and hidden > 0:
        text = t.render("more_sources_button", count=hidden)
        buttons.append(_button(text, ACTION_MORE_SOURCES, answer_id))
    if shareable:
        buttons.append(_button(t.render("share_button"), ACTION_SHARE, answer_id, "primary"))
    if feedback:
        buttons.append(_button(t.render("feedback_up_button"), ACTION_FEEDBACK_UP, answer_id))
        buttons.append(_button(t.render("feedback_down_button"), ACTION_FEEDBACK_DOWN, answer_id))
    if buttons:
        blocks.append({"type": "actions", "block_id": "answer_actions", "elements": buttons})
    return blocks


def fallback_text(answer: Answer, t: Templates) -> str:
    """The notification text that goes with the blocks (also escaped)."""
    return t.render("fallback_text", question=escape(_clip(answer.question, 150)))


def text_blocks(text: str) -> list[dict]:
    """A single section for a short message already rendered from a template."""
    return [{"type": "section", "text": _mrkdwn(text)}]


def feedback_modal(t: Templates, vote_id: int) -> dict:
    """The optional comment asked for after a 👎."""
    return {
        "type": "modal",
        "callback_id": VIEW_FEEDBACK_COMMENT,
        "private_metadata": str(vote_id),
        "title": {"type": "plain_text", "text": t.render("feedback_modal_title")[:24]},
        "submit": {"type": "plain_text", "text": t.render("feedback_modal_submit")[:24]},
        "blocks": [
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": {"type": "plain_text", "text": t.render("feedback_modal_label")[:2000]},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "comment",
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }
