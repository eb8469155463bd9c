"""Import of the seed plan: recognised parts and recipients as the corpus expects."""

from __future__ import annotations

import json
import unicodedata

import pytest

from documents import services
from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Purpose
from documents.recognition import recognize
from tests.conftest import SEED

EXPECTED = json.loads(SEED.with_suffix(".json").read_text(encoding="utf-8"))


def _nfc(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def test_seed_recognition_matches_the_corpus_annotation(seed_text):
    result = recognize(seed_text).to_corpus_dict()

    assert result["title"] == EXPECTED["title"]
    assert [b.lower() for b in result["legal_basis"]] == [b.lower() for b in EXPECTED["legal_basis"]]
    assert result["sections"] == EXPECTED["sections"]
    assert result["recipients"] == EXPECTED["recipients"]
    assert result["deadlines"] == [{**d, "unit": None} for d in EXPECTED["deadlines"]]
    assert (result["number"], result["issuer"], result["issue_date"]) == (None, None, None)


def test_nfd_and_nfc_copies_of_the_seed_give_the_same_result(seed_text):
    nfd = recognize(unicodedata.normalize("NFD", seed_text)).to_corpus_dict()
    nfc = recognize(unicodedata.normalize("NFC", seed_text)).to_corpus_dict()
    assert nfd == nfc
    assert all(_nfc(v) == v for v in nfd["recipients"])


@pytest.mark.django_db
def test_import_resolves_recipients_to_directory_units(demo, user_of, seed_text):
    issuer = demo_unit(PROVINCIAL_COMMITTEE)

    plan, _ = services.plan_import(issuer=issuer, drafter=user_of("chuyenvien"), text=seed_text)

    rows = list(plan.recipients.select_related("unit").order_by("position"))
    by_phrase: dict[str, list] = {}
    for row in rows:
        by_phrase.setdefault(row.phrase, []).append(row)
    assert list(by_phrase) == EXPECTED["recipients"]
    group = by_phrase["Ban Thường trực Uỷ ban MTTQ các huyện, thị xã"]
    assert sorted(r.unit.area_name for r in group) == sorted(
        [
            "Kinh Môn",
            "Bình Giang",
            "Cẩm Giàng",
            "Gia Lộc",
            "Kim Thành",
            "Nam Sách",
            "Ninh Giang",
            "Thanh Hà",
            "Thanh Miện",
            "Tứ Kỳ",
        ]
    )
    [own] = by_phrase["Ban Thường trực Uỷ ban MTTQ tỉnh"]
    assert own.unit == issuer and own.purpose == Purpose.INFORMATION and not own.requires_report
    [department] = by_phrase["Sở Tài nguyên và Môi trường tỉnh"]
    assert department.unit.code == "so-tnmt-hai-duong"
    [archive] = by_phrase["Lưu"]
    assert archive.unit is None and archive.purpose == Purpose.ARCHIVE
    assert plan.title == EXPECTED["title"]
    assert plan.sections == EXPECTED["sections"]
