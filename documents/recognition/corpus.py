"""Compare recognitions with the annotated corpus (../shared/corpus, corpus/README.md).

Shared by `manage.py corpus_check` and the test-suite so both apply the same rules:
strings are compared after NFC and whitespace normalisation, legal-basis items
case-insensitively; recipients score the F1 of the entry multisets; deadlines count
the expected entries reproduced exactly (text, start, end, unit).

Targets (the acceptance criteria of the recognition issue): number, issue_date,
issuer, title and sections right on every document; recipients mean F1 ≥ 0.95;
deadlines ≥ 90 % reproduced.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from documents.recognition.normalize import collapse

EXACT_FIELDS = (
    "doc_type",
    "number",
    "issuer",
    "place",
    "issue_date",
    "title",
    "legal_basis",
    "sections",
    "signer_title",
)
TARGET_FIELDS = ("number", "issue_date", "issuer", "title", "sections")
RECIPIENT_TARGET = 0.95
DEADLINE_TARGET = 0.90


def norm(value: Any) -> Any:
    """NFC, whitespace-collapsed strings (recursively in lists); other values unchanged."""
    if isinstance(value, str):
        return collapse(unicodedata.normalize("NFC", value))
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


@dataclass
class CorpusDocument:
    """One annotated document: its name, source file and expected values (the JSON)."""

    name: str
    path: Path
    expected: dict[str, Any]


@dataclass
class DocumentResult:
    """Per-field outcome for one document."""

    name: str
    fields: dict[str, bool] = field(default_factory=dict)
    recipients_f1: float = 1.0
    deadlines_expected: int = 0
    deadlines_matched: int = 0
    diffs: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Summary:
    """Corpus-wide figures and whether the targets are met."""

    documents: list[DocumentResult]

    def matched(self, name: str) -> int:
        """Number of documents whose field `name` matches exactly."""
        return sum(1 for d in self.documents if d.fields.get(name))

    @property
    def recipients_mean_f1(self) -> float:
        """Mean over documents of the recipients' F1 (0..1)."""
        return sum(d.recipients_f1 for d in self.documents) / len(self.documents) if self.documents else 0.0

    @property
    def deadlines_share(self) -> float:
        """Share (0..1) of all expected deadlines reproduced exactly."""
        expected = sum(d.deadlines_expected for d in self.documents)
        matched = sum(d.deadlines_matched for d in self.documents)
        return matched / expected if expected else 1.0

    def targets_met(self) -> bool:
        """True when every target of the module docstring is met."""
        total = len(self.documents)
        return (
            total > 0
            and all(self.matched(name) == total for name in TARGET_FIELDS)
            and self.recipients_mean_f1 >= RECIPIENT_TARGET
            and self.deadlines_share >= DEADLINE_TARGET
        )


def load_corpus(directory: str | Path) -> list[CorpusDocument]:
    """Every .txt/.docx file of `directory` that has a .json beside it, sorted by name."""
    root = Path(directory)
    documents = []
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in (".txt", ".docx"):
            continue
        expected_path = path.with_suffix(".json")
        if expected_path.exists():
            documents.append(CorpusDocument(path.stem, path, json.loads(expected_path.read_text(encoding="utf-8"))))
    return documents


def read_document(document: CorpusDocument) -> str:
    """Text of a corpus document (.txt read as UTF-8, .docx through decode_upload)."""
    if document.path.suffix.lower() == ".docx":
        from documents.recognition.decode import decode_upload

        return decode_upload(document.path.name, document.path.read_bytes(), max_bytes=50 * 1024 * 1024)
    return document.path.read_text(encoding="utf-8")


def recipients_f1(got: Iterable[str], expected: Iterable[str]) -> float:
    """F1 of two multisets of entries (1.0 when both are empty)."""
    got_count, expected_count = Counter(norm(list(got))), Counter(norm(list(expected)))
    if not got_count and not expected_count:
        return 1.0
    common = sum((got_count & expected_count).values())
    if not common:
        return 0.0
    precision = common / sum(got_count.values())
    recall = common / sum(expected_count.values())
    return 2 * precision * recall / (precision + recall)


def _deadline_key(item: dict[str, Any]) -> tuple[Any, ...]:
    return norm(item.get("text")), item.get("start"), item.get("end"), norm(item.get("unit"))


def deadlines_matched(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> int:
    """How many expected deadlines appear in `got` with the same text, start, end and unit (multiset)."""
    available = Counter(_deadline_key(d) for d in got)
    matched = 0
    for item in expected:
        key = _deadline_key(item)
        if available[key] > 0:
            available[key] -= 1
            matched += 1
    return matched


def _equal(name: str, got: Any, expected: Any) -> bool:
    if name == "legal_basis":
        return [s.casefold() for s in norm(got or [])] == [s.casefold() for s in norm(expected or [])]
    return norm(got) == norm(expected)


def compare(name: str, got: dict[str, Any], expected: dict[str, Any]) -> DocumentResult:
    """Compare one recognition (`Recognition.to_corpus_dict()`) with its annotation."""
    result = DocumentResult(name)
    for key in EXACT_FIELDS:
        ok = _equal(key, got.get(key), expected.get(key))
        result.fields[key] = ok
        if not ok:
            result.diffs[key] = (got.get(key), expected.get(key))
    result.recipients_f1 = recipients_f1(got.get("recipients") or [], expected.get("recipients") or [])
    if result.recipients_f1 < 1.0:
        result.diffs["recipients"] = (got.get("recipients"), expected.get("recipients"))
    expected_deadlines = expected.get("deadlines") or []
    result.deadlines_expected = len(expected_deadlines)
    result.deadlines_matched = deadlines_matched(got.get("deadlines") or [], expected_deadlines)
    if result.deadlines_matched < result.deadlines_expected:
        keys = Counter(_deadline_key(d) for d in got.get("deadlines") or [])
        missing = [d for d in expected_deadlines if not keys[_deadline_key(d)]]
        result.diffs["deadlines"] = (got.get("deadlines"), missing)
    return result


def check(documents: list[CorpusDocument], recognize: Callable[[str], Any]) -> Summary:
    """Recognise every document with `recognize` and compare it with its annotation."""
    results = []
    for document in documents:
        got = recognize(read_document(document)).to_corpus_dict()
        results.append(compare(document.name, got, document.expected))
    return Summary(results)


def report(summary: Summary, *, verbose: bool = False) -> str:
    """Readable figures per field (and the differences when `verbose`)."""
    total = len(summary.documents)
    lines = [f"Tài liệu: {total}"]
    for name in EXACT_FIELDS:
        mark = " (mục tiêu: tất cả)" if name in TARGET_FIELDS else ""
        lines.append(f"{name:13} {summary.matched(name):3}/{total}{mark}")
    expected = sum(d.deadlines_expected for d in summary.documents)
    matched = sum(d.deadlines_matched for d in summary.documents)
    lines.append(
        f"{'recipients':13} F1 trung bình {summary.recipients_mean_f1:.3f} (mục tiêu ≥ {RECIPIENT_TARGET:.2f})"
    )
    lines.append(
        f"{'deadlines':13} {matched}/{expected} = {summary.deadlines_share:.1%} (mục tiêu ≥ {DEADLINE_TARGET:.0%})"
    )
    fields = sum(summary.matched(name) for name in EXACT_FIELDS)
    lines.append(
        f"{'Tổng':13} {fields}/{len(EXACT_FIELDS) * total} trường khớp ({len(EXACT_FIELDS)} trường, {total} tài liệu)"
    )
    lines.append("Kết quả: " + ("ĐẠT mọi mục tiêu" if summary.targets_met() else "CHƯA ĐẠT mục tiêu"))
    if verbose:
        for document in summary.documents:
            for key, (got, want) in document.diffs.items():
                lines.append(f"- {document.name} / {key}:\n    nhận ra: {got}\n    mong đợi: {want}")
    return "\n".join(lines)
