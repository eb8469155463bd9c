"""Text-level rules of the recognition engine: normalisation, folding, dates, and plans outside the corpus."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from documents.recognition import fold, normalize_text, recognize
from documents.recognition.dates import resolve, words_to_int
from documents.recognition.normalize import unify_tone_placement

D = dt.date


def test_normalize_text_gives_nfc_unix_lines_without_invisible_characters():
    raw = "\ufeffK\u1ebf ho\u1ea1ch\r\nS\u00f4\u0301:\u00a015/KH\u200b-UBND\rTi\u0301ê\u0301p\u2028"
    assert normalize_text(raw) == "Kế hoạch\nSố: 15/KH-UBND\nTíếp\n"
    assert normalize_text("a\n\nb").split("\n") == ["a", "", "b"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Uỷ ban MTTQ các huyện,  thị xã", "uy ban mttq cac huyen, thi xa"),
        ("Ủy ban MTTQ các huyện, thị xã", "uy ban mttq cac huyen, thi xa"),
        (unicodedata.normalize("NFD", "Ban Thường trực Uỷ ban"), "ban thuong truc uy ban"),
        ("Cộng hoà", "cong hoa"),
        ("CỘNG HÒA", "cong hoa"),
        ("Sở Tài nguyên và Môi trường THUỶ LỢI", "so tai nguyen va moi truong thuy loi"),
        ("Đắk Lắk", "dak lak"),
        ("  \tĐồng\n chí  ", "dong chi"),
    ],
)
def test_fold_keys(text, key):
    assert fold(text) == key


def test_tone_placement_is_unified_on_the_first_vowel_of_open_oa_oe_uy():
    assert unify_tone_placement("Uỷ ban hoà giải thuỷ lợi khoẻ") == "Ủy ban hòa giải thủy lợi khỏe"
    assert unify_tone_placement("quý hoạch huyện thuyết") == "quý hoạch huyện thuyết"


@pytest.mark.parametrize(
    ("text", "window", "expected"),
    [
        ("Từ ngày 12 đến ngày 20/12/2019", False, (D(2019, 12, 12), D(2019, 12, 20), "range")),
        ("Từ ngày 01/6 đến ngày 30/6/2024", False, (D(2024, 6, 1), D(2024, 6, 30), "range")),
        ("Chậm nhất ngày 10/12/2025", False, (None, D(2025, 12, 10), "before")),
        ("trước 14 giờ 00 ngày 29/7/2020", False, (None, D(2020, 7, 29), "before")),
        ("vào ngày 02/02/2026", False, (D(2026, 2, 2), D(2026, 2, 2), "single")),
        ("ngày 25 tháng 6 năm 2015", False, (D(2015, 6, 25), D(2015, 6, 25), "single")),
        ("Tháng 11/2025 (sau khi tỉnh ban hành Hướng dẫn)", False, (None, D(2025, 11, 30), "month")),
        ("Quý I/2026", False, (None, D(2026, 3, 31), "quarter")),
        ("Quý IV năm 2025", False, (None, D(2025, 12, 31), "quarter")),
        ("Hoàn thành trong năm 2025", False, (None, D(2025, 12, 31), "year")),
        ("2025", False, (None, D(2025, 12, 31), "year")),
        ("Quý IV/2025 và Quý I/2026", False, (D(2025, 10, 1), D(2026, 3, 31), "range")),
        ("Từ tháng 12/2025 đến quý I/2026", False, (D(2025, 12, 1), D(2026, 3, 31), "range")),
        ("Từ tháng 01 đến ngày bầu cử 15/3/2026", False, (D(2026, 1, 1), D(2026, 3, 15), "range")),
        ("từ ngày 17/12/2025 đến 17 giờ 00, ngày 01/02/2026", False, (D(2025, 12, 17), D(2026, 2, 1), "range")),
        ("Tháng 11, 12/2013 và bổ sung hàng năm", False, (D(2013, 11, 1), None, "open")),
        ("Năm 2025 và các năm tiếp theo", False, (D(2025, 1, 1), None, "open")),
        ("Từ tháng 11/2013 trở đi", False, (D(2013, 11, 1), None, "open")),
        ("từ 13 giờ 00 ngày 26/7/2020 cho đến khi có thông báo tiếp theo", False, (D(2020, 7, 26), None, "open")),
        ("Sau ngày bầu cử 15/3/2026", False, (D(2026, 3, 16), None, "open")),
        ("Từ nay đến hết năm 2025", False, (None, D(2025, 12, 31), "year")),
        ("Trong tháng 12/2025", True, (D(2025, 12, 1), D(2025, 12, 31), "month")),
        ("6 tháng, hằng năm và định kỳ", False, (None, None, "periodic")),
        ("trước ngày 20 hằng tháng", False, (None, None, "periodic")),
        ("Thường xuyên", False, (None, None, "periodic")),
        ("(trong thời hạn 05 ngày kể từ ngày nhận đơn)", False, (None, None, "relative")),
        ("Sau khi Nghị định được ban hành", False, (None, None, "relative")),
        ("Theo Kế hoạch riêng", False, (None, None, "relative")),
        ("ngày 31/02/2025", False, (None, None, "relative")),
    ],
)
def test_deadline_phrases_resolve_to_dates(text, window, expected):
    assert resolve(text, window=window) == expected


def test_vietnamese_numbers_in_words():
    assert [
        words_to_int(w)
        for w in (
            "mười lăm",
            "hai mươi mốt",
            "ba mươi",
            "hai nghìn không trăm hai mươi tư",
            "12",
            "giêng",
            "mười hai",
            "chín",
        )
    ] == [15, 21, 30, 2024, 12, 1, 12, 9]
    assert words_to_int("mười lăm ngày") is None


DISTRICT_PLAN = """ỦY BAN NHÂN DÂN
HUYỆN THANH HÀ
Số: 45/KH-UBND
KHẨN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Thanh Hà, ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi tư
KẾ HOẠCH
Tổ chức các hoạt động hưởng ứng Ngày Môi trường thế giới
năm 2024 trên địa bàn huyện
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015;
Căn cứ Kế hoạch số 120/KH-UBND ngày 02/02/2024 của UBND tỉnh Hải Dương về việc bảo vệ môi trường năm 2024;
Ủy ban nhân dân huyện ban hành Kế hoạch như sau:
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao nhận thức của Nhân dân trước ngày 31/12/2025.
II. NỘI DUNG
1. Tổ chức lễ mít tinh hưởng ứng
- Cơ quan chủ trì: Phòng Tài nguyên và Môi trường huyện.
- Cơ quan phối hợp: Phòng Văn hóa và Thông tin; UBND các xã, thị trấn.
- Thời gian thực hiện: Trước ngày 05/6/2024.
2. Ra quân tổng vệ sinh môi trường
- Đơn vị thực hiện: UBND các xã, thị trấn chủ trì, phối hợp với các đoàn thể.
- Thời gian: Từ ngày 01/6 đến ngày 30/6/2024.
III. TỔ CHỨC THỰC HIỆN
1. Phòng Tài nguyên và Môi trường huyện
- Theo dõi, đôn đốc; tổng hợp, báo cáo kết quả về UBND huyện trước ngày 15/7/2024.
2. UBND các xã, thị trấn căn cứ Kế hoạch này xây dựng kế hoạch của địa phương, hoàn thành trước ngày 20/5/2024.
Nơi nhận:
- UBND tỉnh (để b/c);
- Các phòng, ban, ngành huyện (để thực hiện);
- UBND các xã, thị trấn (để thực hiện);
- Lưu: VT, TNMT.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Văn Bình
"""


def test_a_district_plan_outside_the_corpus():
    result = recognize(DISTRICT_PLAN)
    assert (result.doc_type, result.number, result.urgency) == ("KH", "45/KH-UBND", "Khẩn")
    assert (result.issuer, result.parent_issuer) == ("ỦY BAN NHÂN DÂN HUYỆN THANH HÀ", None)
    assert (result.place, result.issue_date) == ("Thanh Hà", D(2024, 3, 15))
    assert result.title == "Tổ chức các hoạt động hưởng ứng Ngày Môi trường thế giới năm 2024 trên địa bàn huyện"
    assert result.legal_basis == [
        "Luật Tổ chức chính quyền địa phương ngày 19/6/2015",
        "Kế hoạch số 120/KH-UBND ngày 02/02/2024 của UBND tỉnh Hải Dương",
    ]
    assert [(d.text, d.start, d.end, d.unit, d.line) for d in result.deadlines] == [
        ("Thời gian thực hiện: Trước ngày 05/6/2024", None, D(2024, 6, 5), "Phòng Tài nguyên và Môi trường huyện", 21),
        ("Thời gian: Từ ngày 01/6 đến ngày 30/6/2024", D(2024, 6, 1), D(2024, 6, 30), "UBND các xã, thị trấn", 24),
        ("trước ngày 15/7/2024", None, D(2024, 7, 15), "Phòng Tài nguyên và Môi trường huyện", 27),
        (
            "UBND các xã, thị trấn căn cứ Kế hoạch này xây dựng kế hoạch của địa phương, "
            "hoàn thành trước ngày 20/5/2024",
            None,
            D(2024, 5, 20),
            "UBND các xã, thị trấn",
            28,
        ),
    ]
    task = result.tasks[0]
    assert (task.title, task.lead, task.partners) == (
        "Tổ chức lễ mít tinh hưởng ứng",
        "Phòng Tài nguyên và Môi trường huyện",
        ["Phòng Văn hóa và Thông tin", "UBND các xã, thị trấn"],
    )
    assert [(r.text, r.purpose, r.is_archive) for r in result.recipients] == [
        ("UBND tỉnh (để b/c)", "để b/c", False),
        ("Các phòng, ban, ngành huyện (để thực hiện)", "để thực hiện", False),
        ("UBND các xã, thị trấn (để thực hiện)", "để thực hiện", False),
        ("Lưu: VT, TNMT", None, True),
    ]
    assert result.signer_authority == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"]
    assert (result.signer_title, result.signer_name) == (
        "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
        "Nguyễn Văn Bình",
    )
    assert [(w.field, w.line, w.message) for w in result.warnings] == [
        (
            "deadlines",
            28,
            'Đơn vị chủ trì "UBND các xã, thị trấn" của thời hạn "UBND các xã, thị trấn căn cứ Kế hoạch này xây '
            'dựng kế hoạch của địa phương, hoàn thành trước ngày 20/5/2024" được suy ra từ chủ ngữ của câu: '
            "hãy kiểm tra lại.",
        )
    ]


def test_text_without_any_structure_gives_warnings_not_errors():
    result = recognize("Một đoạn văn bản bất kỳ không có cấu trúc của văn bản hành chính.")
    assert result.to_corpus_dict() == {
        "doc_type": None,
        "number": None,
        "issuer": None,
        "place": None,
        "issue_date": None,
        "title": None,
        "legal_basis": [],
        "sections": [],
        "recipients": [],
        "deadlines": [],
        "signer_title": None,
    }
    assert [w.field for w in result.warnings] == [
        "number",
        "issuer",
        "issue_date",
        "doc_type",
        "title",
        "sections",
        "recipients",
    ]
    assert recognize("").to_corpus_dict()["sections"] == []


PARTY_PLAN = """ĐẢNG BỘ TỈNH HẢI DƯƠNG
HUYỆN ỦY THANH HÀ
*
Số 12-KH/HU
ĐẢNG CỘNG SẢN VIỆT NAM
Thanh Hà, ngày 10 tháng 3 năm 2024
KẾ HOẠCH
học tập, quán triệt và triển khai thực hiện Nghị quyết số 05-NQ/TU
-----
Thực hiện Kế hoạch số 45-KH/TU, ngày 01/3/2024 của Ban Thường vụ Tỉnh ủy về học tập Nghị quyết, Ban Thường vụ \
Huyện ủy xây dựng kế hoạch như sau:
I- MỤC ĐÍCH, YÊU CẦU
1- Giúp cán bộ, đảng viên nắm vững nội dung Nghị quyết.
II- NỘI DUNG, HÌNH THỨC, THỜI GIAN
1- Hình thức: Hội nghị trực tiếp kết hợp trực tuyến.
2- Thời gian: Hoàn thành trong tháng 4/2024.
III- TỔ CHỨC THỰC HIỆN
1- Các tổ chức cơ sở đảng tổ chức học tập, báo cáo kết quả về Ban Thường vụ Huyện ủy chậm nhất ngày 30/4/2024.
Nơi nhận:
- Ban Thường vụ Tỉnh ủy (b/c),
- Các tổ chức cơ sở đảng,
- Lưu Văn phòng Huyện ủy.
T/M BAN THƯỜNG VỤ
PHÓ BÍ THƯ
Trần Văn Cường
"""


def test_a_party_committee_plan_with_older_numbering_style():
    result = recognize(PARTY_PLAN)
    assert (result.number, result.issuer_lines, result.parent_issuer) == (
        "12-KH/HU",
        ["ĐẢNG BỘ TỈNH HẢI DƯƠNG", "HUYỆN ỦY THANH HÀ"],
        "ĐẢNG BỘ TỈNH HẢI DƯƠNG",
    )
    assert (result.place, result.issue_date, result.doc_type) == ("Thanh Hà", D(2024, 3, 10), "KH")
    assert result.legal_basis == ["Kế hoạch số 45-KH/TU, ngày 01/3/2024 của Ban Thường vụ Tỉnh ủy"]
    assert [s.text for s in result.top_sections()] == [
        "I- MỤC ĐÍCH, YÊU CẦU",
        "II- NỘI DUNG, HÌNH THỨC, THỜI GIAN",
        "III- TỔ CHỨC THỰC HIỆN",
    ]
    assert [(d.text, d.end, d.unit) for d in result.deadlines] == [
        ("Thời gian: Hoàn thành trong tháng 4/2024", D(2024, 4, 30), None),
        (
            "Các tổ chức cơ sở đảng tổ chức học tập, báo cáo kết quả về Ban Thường vụ Huyện ủy "
            "chậm nhất ngày 30/4/2024",
            D(2024, 4, 30),
            "Các tổ chức cơ sở đảng",
        ),
    ]
    assert (result.signer_authority, result.signer_title, result.signer_name) == (
        ["T/M BAN THƯỜNG VỤ"],
        "T/M BAN THƯỜNG VỤ / PHÓ BÍ THƯ",
        "Trần Văn Cường",
    )
    assert [r.text for r in result.recipients] == [
        "Ban Thường vụ Tỉnh ủy (b/c)",
        "Các tổ chức cơ sở đảng",
        "Lưu Văn phòng Huyện ủy",
    ]
