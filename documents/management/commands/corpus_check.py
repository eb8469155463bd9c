"""`manage.py corpus_check DIR`: figures of the recognition engine on an annotated corpus.

Reads every .txt/.docx of DIR that has a .json beside it (corpus/README.md), prints how
many documents match per field, the recipients' mean F1 and the share of deadlines
reproduced exactly, and exits with status 1 when the targets are not met (see
documents.recognition.corpus).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.recognition import recognize
from documents.recognition.corpus import check, load_corpus, report


class Command(BaseCommand):
    """Compare recognitions with an annotated corpus; exit status 1 when the targets are missed."""

    help = "So kết quả nhận dạng với kho văn bản mẫu có chú thích (.txt/.docx + .json); mã thoát 1 nếu chưa đạt."

    def add_arguments(self, parser: CommandParser) -> None:
        """DIRECTORY and --diff."""
        parser.add_argument("directory", help="thư mục kho văn bản (vd. ../shared/corpus)")
        parser.add_argument("--diff", action="store_true", help="in chi tiết các trường không khớp")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the check and print the figures per field."""
        try:
            documents = load_corpus(options["directory"])
        except OSError as error:
            raise CommandError(f"Không đọc được thư mục {options['directory']}: {error}") from error
        if not documents:
            raise CommandError("Thư mục không có cặp tệp .txt/.docx + .json nào.")
        summary = check(documents, recognize)
        self.stdout.write(report(summary, verbose=options["diff"]))
        if not summary.targets_met():
            raise CommandError("Chưa đạt mục tiêu nhận dạng.", returncode=1)
