"""What the recogniser returns: plain dataclasses, no Django apart from gettext.

Every recognised part carries `line`, the 1-based line of `Recognition.text`
(the NFC-normalised input) it was read from, so a drafter can check it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext


def gettext_noop(text: str) -> str:
    """Mark `text` (Vietnamese) for the catalog and return it unchanged.

    Django's own `gettext_noop` reads the settings; recognition runs without them (bench,
    scripts), so this marker is local. makemessages extracts it all the same.
    """
    return text


def _translate(text: str) -> str:
    """`text` in the active language; as is when Django is not configured (recognition alone)."""
    return gettext(text) if settings.configured else text


@dataclass
class Section:
    """A heading of the body: "I. MỤC ĐÍCH, YÊU CẦU", "1.1. …", "a) …", "Điều 1.".

    Attributes:
        number: the label without punctuation ("II", "1.1", "a", "1" for "Điều 1").
        title: the words after the label.
        text: the heading as written (label + title); for articles only "Điều N.".
        level: 1 for top-level headings, 2 for their sub-headings, …
        kind: "letter" (A.), "roman" (I.), "article" (Điều N.), "arabic" (1.), "arabic2" (1.1.),
            "arabic3" (1.1.1.), "lower" (a)), "paren" ((1)).
        line: line of the heading.
        children: sub-headings, in order.
        top: True for the headings the corpus counts as top-level sections (see sections.top_level).
    """

    number: str
    title: str
    text: str
    level: int
    kind: str
    line: int
    children: list[Section] = field(default_factory=list)
    top: bool = False

    def walk(self) -> Iterator[Section]:
        """This heading and every sub-heading, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Deadline:
    """A time phrase attached to a task and its resolved dates.

    Attributes:
        text: the phrase as written (label kept, list marker and final punctuation dropped).
        start: first day (None when open at the start or not a date).
        end: last day (None when open-ended, recurring, relative or conditional).
        unit: the responsible (chủ trì) unit stated for the task, else None.
        kind: "single", "before", "range", "month", "quarter", "year", "open", "periodic",
            "relative" (see dates.resolve).
        line: line of the phrase.
        source: "label", "list", "table", "sentence", "parenthesis", "heading", "schedule".
        unit_source: how the unit was found: "block" (a chủ trì label, a table cell or a heading that
            names the unit), "subject" (the subject of the sentence: a guess), None when there is no unit.
    """

    text: str
    start: dt.date | None
    end: dt.date | None
    unit: str | None = None
    kind: str = "relative"
    line: int = 0
    source: str = "label"
    unit_source: str | None = None

    def to_corpus_dict(self) -> dict[str, Any]:
        """{"text", "start", "end", "unit"} with ISO dates, as in the corpus JSON."""
        return {
            "text": self.text,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "unit": self.unit,
        }


@dataclass
class Task:
    """A task block: what to do, the lead unit (chủ trì), cooperating units (phối hợp) and its deadlines."""

    title: str
    line: int
    lead: str | None = None
    partners: list[str] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    section: str | None = None


@dataclass
class RecipientEntry:
    """One Nơi nhận entry as written.

    Attributes:
        text: the entry without its dash and final ";", "," or "." (wrapped lines joined).
        line: first line of the entry.
        purpose: "để thực hiện", "để biết", "để b/c" or "để phối hợp" when written, else None.
        is_archive: True for the archive copy ("Lưu: VT, …", "Lưu.").
    """

    text: str
    line: int
    purpose: str | None = None
    is_archive: bool = False


@dataclass
class BasisItem:
    """One instrument of the legal basis (căn cứ), cut to type + number + date + issuer as written."""

    text: str
    line: int
    kind: str = ""
    number: str | None = None
    date: dt.date | None = None
    issuer: str | None = None


@dataclass
class RecognitionWarning:
    """A part that could not be recognised or was guessed, for the drafter to check.

    Attributes:
        field: the part it is about ("number", "issuer", "deadlines", ...).
        text: the Vietnamese sentence, a msgid of the catalog, with `%(name)s` placeholders
            (marked with `gettext_noop` where it is written; it is the same in any language).
        line: the line of `Recognition.text` it refers to, when there is one.
        params: the placeholders' values, words of the document kept as written.

    `message` is the sentence in the language active when it is read (the page's), so a
    recognition made once reads in Vietnamese or English alike; `text` and `params` are the
    language-free form to keep. A language without a translation reads the Vietnamese.
    """

    field: str
    text: str
    line: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The sentence in the active language, placeholders filled in."""
        template = _translate(self.text)
        return template % self.params if self.params else template

    def __str__(self) -> str:
        return self.message


# The name the rest of planflow uses (it shadows the builtin only inside this package's namespace).
Warning = RecognitionWarning


@dataclass
class Attachment:
    """A document printed after the signature: the plan a Quyết định promulgates, an appendix."""

    doc_type: str | None
    title: str | None
    line: int
    sections: list[Section] = field(default_factory=list)


@dataclass
class Recognition:
    """Everything recognised in one text (Nghị định 30/2020/NĐ-CP, Phụ lục I layout).

    `text` is the NFC text all `line` numbers refer to. `sections` are the top-level
    headings with their sub-headings as `children`; for a Quyết định that promulgates
    a plan they are the plan's sections and `articles` are the decision's "Điều N.".
    """

    text: str
    doc_type: str | None = None
    number: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    issuer_lines: list[str] = field(default_factory=list)
    place: str | None = None
    issue_date: dt.date | None = None
    title: str | None = None
    title_line: int | None = None
    urgency: str | None = None
    addressees: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    basis_items: list[BasisItem] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    articles: list[Section] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    signer_authority: list[str] = field(default_factory=list)
    signer_title: str | None = None
    signer_name: str | None = None
    recipients: list[RecipientEntry] = field(default_factory=list)
    warnings: list[RecognitionWarning] = field(default_factory=list)
    body_text: str = ""
    lines: dict[str, int] = field(default_factory=dict)

    def top_sections(self) -> list[Section]:
        """The top-level headings of the plan (the corpus' `sections`): I., II., … or A., B., … or Điều N."""
        return [s for s in self.sections if s.top]

    def all_sections(self) -> Iterator[Section]:
        """Every heading and sub-heading in document order."""
        for section in self.sections:
            yield from section.walk()

    def warn(self, field_name: str, text: str, line: int | None = None, **params: Any) -> None:
        """Record a part that could not be recognised or was guessed.

        `text` is a Vietnamese msgid (`gettext_noop`), `params` fill its `%(name)s` placeholders;
        see `RecognitionWarning`.
        """
        self.warnings.append(RecognitionWarning(field_name, text, line, params))

    def to_corpus_dict(self) -> dict[str, Any]:
        """Exactly the keys of the corpus JSON (without source_url and notes), dates as ISO strings."""
        return {
            "doc_type": self.doc_type,
            "number": self.number,
            "issuer": self.issuer,
            "place": self.place,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "title": self.title,
            "legal_basis": list(self.legal_basis),
            "sections": [s.text for s in self.top_sections()],
            "recipients": [r.text for r in self.recipients],
            "deadlines": [d.to_corpus_dict() for d in self.deadlines],
            "signer_title": self.signer_title,
        }
