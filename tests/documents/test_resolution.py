"""Recipient phrases resolve to directory units: abbreviations, spellings, groups; unknown ones are kept."""

from __future__ import annotations

import pytest

from documents.demo import PROVINCIAL_COMMITTEE, demo_unit
from documents.models import Purpose, Unit
from documents.resolution import Directory, match_key

pytestmark = pytest.mark.django_db

HUYEN = ["Bình Giang", "Cẩm Giàng", "Gia Lộc", "Kim Thành", "Nam Sách", "Ninh Giang", "Thanh Hà", "Thanh Miện", "Tứ Kỳ"]


@pytest.fixture
def directory(demo) -> Directory:
    issuer = demo_unit(PROVINCIAL_COMMITTEE)
    # a People's Committee, its departments and communes, so that other group phrases have something to cover
    ubnd = Unit.objects.create(
        code="ubnd-tinh-hai-duong",
        name="Ủy ban nhân dân tỉnh Hải Dương",
        short_name="UBND tỉnh",
        level=Unit.Level.PROVINCE,
        body=Unit.Body.PEOPLES_COMMITTEE,
        area_kind=Unit.AreaKind.PROVINCE,
        area_name="Hải Dương",
        province="Hải Dương",
    )
    Unit.objects.create(
        code="so-gddt-hai-duong",
        name="Sở Giáo dục và Đào tạo tỉnh Hải Dương",
        level=Unit.Level.PROVINCE,
        body=Unit.Body.DEPARTMENT,
        area_kind=Unit.AreaKind.PROVINCE,
        area_name="Hải Dương",
        province="Hải Dương",
        parent=ubnd,
    )
    for code, kind, name in [
        ("xa-an-binh", "xa", "An Bình"),
        ("phuong-an-hoa", "phuong", "An Hoà"),
        ("tt-ke-sat", "thi_tran", "Kẻ Sặt"),
    ]:
        Unit.objects.create(
            code=f"mttq-{code}",
            name=f"Ban Thường trực Ủy ban MTTQ {dict(Unit.AreaKind.choices)[kind]} {name}",
            level=Unit.Level.COMMUNE,
            body=Unit.Body.FRONT,
            area_kind=kind,
            area_name=name,
            province="Hải Dương",
        )
    return Directory(issuer=issuer)


def _names(resolution) -> list[str]:
    return sorted(unit.area_name for unit in resolution.units)


@pytest.mark.parametrize(
    "phrase",
    [
        "Ban Thường trực Ủy ban MTTQ huyện Thanh Hà",
        "Ban Thường trực Uỷ ban MTTQ huyện Thanh Hà",
        "Ban Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam huyện Thanh Hà",
        "BTT UBMTTQ huyện Thanh Hà",
        "Ban Thuong truc Uy ban MTTQ huyen Thanh Ha",
        "Ban Thường trực Ủy ban MTTQ huyện Thanh Hà (để thực hiện)",
    ],
)
def test_one_unit_is_found_however_its_name_is_written(directory, phrase):
    resolution = directory.resolve(phrase)
    assert [u.code for u in resolution.units] == ["mttq-thanh-ha"]
    assert not resolution.needs_attention and not resolution.is_group


def test_old_and_new_tone_placement_give_the_same_key():
    assert match_key("phường An Hoà") == match_key("phường An Hòa") == match_key("phuong an hoa")
    assert match_key("Uỷ ban") == match_key("Ủy ban")


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Ban Thường trực Uỷ ban MTTQ các huyện, thị xã", ["Kinh Môn", *HUYEN]),
        ("Ban Thường trực Ủy ban MTTQ các huyện, thị xã, thành phố", ["Chí Linh", "Hải Dương", "Kinh Môn", *HUYEN]),
        ("MTTQ các huyện", HUYEN),
        ("Ban Thường trực Ủy ban MTTQ các xã, phường, thị trấn", ["An Bình", "An Hoà", "Kẻ Sặt"]),
    ],
)
def test_group_phrases_cover_the_units_of_their_kinds(directory, phrase, expected):
    resolution = directory.resolve(phrase)
    assert resolution.is_group
    assert _names(resolution) == sorted(expected)


def test_departments_group_covers_every_department_of_the_province(directory):
    resolution = directory.resolve("Các sở, ban, ngành tỉnh")
    assert sorted(u.code for u in resolution.units) == ["so-gddt-hai-duong", "so-tnmt-hai-duong"]


def test_a_phrase_relative_to_the_issuer_finds_the_provincial_unit(directory):
    assert [u.code for u in directory.resolve("Sở Tài nguyên và Môi trường tỉnh").units] == ["so-tnmt-hai-duong"]
    assert [u.code for u in directory.resolve("UBND tỉnh").units] == ["ubnd-tinh-hai-duong"]


def test_an_unknown_phrase_is_kept_and_flagged_for_the_clerk(directory):
    resolution = directory.resolve("Báo Hải Dương")
    assert resolution.units == [] and resolution.needs_attention
    assert resolution.phrase == "Báo Hải Dương"
    assert "văn thư" in resolution.note


def test_the_archive_line_is_not_a_recipient(directory):
    for phrase in ("Lưu", "Lưu: VT, BTT", "Lưu VT"):
        resolution = directory.resolve(phrase)
        assert resolution.purpose == Purpose.ARCHIVE and resolution.units == []
