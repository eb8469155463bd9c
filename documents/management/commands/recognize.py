"""`manage.py recognize FILE [--json]`: show what the recognition engine reads in a plan file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.recognition import Recognition, RecognitionError, decode_upload, recognize


class Command(BaseCommand):
    """Print what the recognition engine reads in one file (JSON with --json)."""

    help = "Nhận dạng các phần của một văn bản (.txt, .docx, .pdf): in JSON (--json) hoặc bản tóm tắt có số dòng."

    def add_arguments(self, parser: CommandParser) -> None:
        """FILE, --json, --max-bytes."""
        parser.add_argument("file", help="tệp văn bản: .txt, .docx hoặc .pdf có lớp chữ")
        parser.add_argument("--json", action="store_true", help="in các trường như corpus/*.json")
        parser.add_argument("--max-bytes", type=int, default=10 * 1024 * 1024, help="kích thước tệp tối đa")

    def handle(self, *args: Any, **options: Any) -> None:
        """Decode the file, recognise it, print; a refused file is a CommandError with the Vietnamese reason."""
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {path}.")
        try:
            text = decode_upload(path.name, path.read_bytes(), max_bytes=options["max_bytes"])
        except RecognitionError as error:
            raise CommandError(error.message) from error
        result = recognize(text)
        if options["json"]:
            self.stdout.write(json.dumps(result.to_corpus_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(summary(result))


def _at(line: int | None) -> str:
    return f"[dòng {line}]" if line else "[—]"


def summary(result: Recognition) -> str:
    """A readable Vietnamese summary of a recognition, each part with its line number."""
    lines = result.lines
    out = [
        f"Loại văn bản: {result.doc_type or '(không rõ)'} {_at(lines.get('doc_type'))}",
        f"Số, ký hiệu: {result.number or '(để trống/không có)'} {_at(lines.get('number'))}",
        f"Cơ quan ban hành: {result.issuer or '(không rõ)'} {_at(lines.get('issuer'))}",
    ]
    if result.parent_issuer:
        out.append(f"  Cơ quan chủ quản: {result.parent_issuer}")
    date = result.issue_date.strftime("%d/%m/%Y") if result.issue_date else "(để trống/không có)"
    out.append(f"Địa danh, ngày: {result.place or '(không rõ)'}, {date} {_at(lines.get('issue_date'))}")
    if result.urgency:
        out.append(f"Độ khẩn: {result.urgency}")
    out.append(f"Trích yếu: {result.title or '(không rõ)'} {_at(result.title_line)}")
    out.append(f"Căn cứ ({len(result.basis_items)}):")
    out += [f"  - {item.text} {_at(item.line)}" for item in result.basis_items]
    out.append("Bố cục:")
    for section in result.all_sections():
        out.append(f"  {'  ' * (section.level - 1)}{section.text[:100]} {_at(section.line)}")
    if result.tasks:
        out.append(f"Nhiệm vụ ({len(result.tasks)}):")
        for task in result.tasks:
            partners = f"; phối hợp: {', '.join(task.partners)}" if task.partners else ""
            out.append(f"  - {task.title[:80]} — chủ trì: {task.lead or '(không rõ)'}{partners} {_at(task.line)}")
    out.append(f"Thời hạn ({len(result.deadlines)}):")
    for d in result.deadlines:
        span = f"{d.start.isoformat() if d.start else '…'} → {d.end.isoformat() if d.end else '…'}"
        out.append(f"  - {d.text} | {span} ({d.kind}) | chủ trì: {d.unit or '—'} {_at(d.line)}")
    signer = " / ".join(filter(None, [result.signer_title, result.signer_name])) or "(không rõ)"
    out.append(f"Người ký: {signer} {_at(lines.get('signer'))}")
    out.append(f"Nơi nhận ({len(result.recipients)}):")
    for entry in result.recipients:
        extra = " (lưu)" if entry.is_archive else (f" ({entry.purpose})" if entry.purpose else "")
        out.append(f"  - {entry.text}{extra} {_at(entry.line)}")
    out.append(f"Cảnh báo ({len(result.warnings)}):")
    out += [f"  ! {w.message} {_at(w.line)}" for w in result.warnings]
    return "\n".join(out)
