"""`manage.py recognize` and `manage.py corpus_check` (no database: the commands only read files)."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest

django = pytest.importorskip("django")
from django.conf import settings  # noqa: E402

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    pytest.skip("Django settings are not configured", allow_module_level=True)

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

CORPUS = Path(os.environ.get("PLANFLOW_CORPUS_DIR", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
SEED = CORPUS / "000-seed-ke-hoach-bvmt-2019.txt"
pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"annotated corpus not found at {CORPUS}")


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_recognize_json_prints_the_corpus_keys():
    got = json.loads(_run("recognize", str(SEED), "--json"))
    expected = json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))
    assert set(got) == set(expected) - {"source_url", "notes"}
    assert got["title"] == "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019"
    assert got["deadlines"] == [
        {"text": "Từ ngày 12 đến ngày 20/12/2019", "start": "2019-12-12", "end": "2019-12-20", "unit": None}
    ]


def test_recognize_summary_is_vietnamese_with_line_numbers():
    out = _run("recognize", str(SEED))
    assert "Trích yếu: Thực hiện nhiệm vụ bảo vệ môi trường năm 2019 [dòng 3]" in out
    assert "  - Lưu (lưu) [dòng 40]" in out
    assert "Cảnh báo (5):" in out


def test_recognize_refuses_an_old_word_file(tmp_path):
    doc = tmp_path / "ke-hoach.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64)
    with pytest.raises(CommandError, match=r"lưu lại dạng \.docx"):
        _run("recognize", str(doc))


def test_corpus_check_prints_figures_and_passes_on_the_corpus():
    out = _run("corpus_check", str(CORPUS))
    assert "number         19/19" in out
    assert "deadlines     98/100 = 98.0%" in out
    assert "ĐẠT mọi mục tiêu" in out


def test_corpus_check_fails_when_targets_are_missed(tmp_path):
    shutil.copy(SEED, tmp_path / SEED.name)
    expected = json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))
    expected["title"] = "Một trích yếu khác"
    (tmp_path / SEED.with_suffix(".json").name).write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        _run("corpus_check", str(tmp_path), "--diff")
    assert error.value.returncode == 1
