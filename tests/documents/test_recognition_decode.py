"""decode_upload: encodings, .docx (header table, list numbering, legacy-font runs), .pdf, refusals."""

from __future__ import annotations

import io
import unicodedata

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from documents.recognition import RecognitionError, decode_upload, recognize
from documents.recognition.legacy import TCVN3_TABLE, VNI_PAIRS, VNI_SINGLES, fix_legacy

PLAN = (
    "ỦY BAN NHÂN DÂN\nHUYỆN THANH HÀ\nSố: 45/KH-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\nThanh Hà, ngày 15 tháng 3 năm 2024\nKẾ HOẠCH\n"
    "Tổ chức hưởng ứng Ngày Môi trường thế giới năm 2024\nI. MỤC ĐÍCH, YÊU CẦU\nII. NỘI DUNG\n"
)
W = nsdecls("w")


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with a tone are written as base letter + combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
            tone = "".join(c for c in decomposed if c in _TONE_MARKS)
            out += (base + tone).encode("cp1258")
    return bytes(out)


def _tcvn3(text: str) -> bytes:
    reverse = {letter: code for code, letter in TCVN3_TABLE.items()}
    return "".join(reverse.get(ch, ch) for ch in unicodedata.normalize("NFC", text)).encode("latin-1")


def _vni(text: str) -> bytes:
    reverse = {letter: pair for pair, letter in VNI_PAIRS.items()}
    reverse.update({letter: code for code, letter in VNI_SINGLES.items()})
    return "".join(reverse.get(ch, ch) for ch in unicodedata.normalize("NFC", text)).encode("latin-1")


# --- plain text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8", PLAN.encode("utf-8")),
        ("utf-8 with BOM", b"\xef\xbb\xbf" + PLAN.encode("utf-8")),
        ("utf-16 LE with BOM", PLAN.encode("utf-16")),
        ("utf-16 BE with BOM", b"\xfe\xff" + PLAN.encode("utf-16-be")),
        ("windows-1258", _cp1258(PLAN)),
        ("utf-8 NFD, CRLF", unicodedata.normalize("NFD", PLAN).replace("\n", "\r\n").encode("utf-8")),
    ],
)
def test_text_upload_decodes_to_the_same_nfc_text(label, data):
    assert decode_upload("ke-hoach.txt", data) == PLAN, label


def test_tcvn3_and_vni_bytes_are_converted_to_unicode():
    sentence = "Kế hoạch số 15/KH-UBND ngày 15 tháng 3 năm 2024 của Uỷ ban nhân dân tỉnh về bảo vệ môi trường, phố"
    assert decode_upload("tcvn3.txt", _tcvn3(sentence)) == sentence
    assert decode_upload("vni.txt", _vni(sentence)) == sentence


def test_legacy_mojibake_pasted_as_text_is_converted():
    assert fix_legacy("Céng hoµ x· héi chñ nghÜa ViÖt Nam").text == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert fix_legacy("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam").text == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert fix_legacy("Cộng hòa xã hội chủ nghĩa Việt Nam © 2024").encoding is None
    # headings typed in the capital font ".VnTimeH" arrive in lower case; mixed words get their capitals back
    result = recognize("Sè: 15/KH-UBND\nkÕ ho¹ch\nTæ chøc Héi nghÞ tæng kÕt n¨m 2024\n")
    assert (result.doc_type, result.number) == ("KH", "15/KH-UBND")
    assert result.title == "Tổ chức Hội nghị tổng kết năm 2024"
    assert fix_legacy("KÕ HO¹CH tæ chøc héi nghÞ").text == "Kế HOẠCH tổ chức hội nghị"
    assert result.warnings[0].field == "text"


def test_legacy_lines_inside_a_unicode_text_are_converted_alone():
    mixed = (
        "Kế hoạch số 15 của Ủy ban nhân dân tỉnh về bảo vệ môi trường năm 2024\n"
        "Phßng Tµi nguyªn vµ M«i tr\xadêng\n"
        "Các đơn vị thực hiện nghiêm túc."
    )
    assert decode_upload("tron.txt", mixed.encode("utf-8")).split("\n") == [
        "Kế hoạch số 15 của Ủy ban nhân dân tỉnh về bảo vệ môi trường năm 2024",
        "Phòng Tài nguyên và Môi trường",
        "Các đơn vị thực hiện nghiêm túc.",
    ]


def test_unconvertible_legacy_text_is_refused_not_returned():
    junk = "ÄÅÆÇ ËÎÏ \xd7ØÛÜ ÞßÐÑ äåæç ëîïñ ö÷øû üþ ÄÅÆ ËÎÏ".encode("latin-1")
    with pytest.raises(RecognitionError) as error:
        decode_upload("cu.txt", junk)
    assert error.value.code == "legacy_font"
    assert "TCVN3" in error.value.message and "Unicode" in error.value.message


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("ke-hoach.txt", b"", "empty", "Tệp rỗng"),
        ("ke-hoach.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "doc", "lưu lại dạng .docx"),
        ("ke-hoach.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "doc", "lưu lại dạng .docx"),
        ("ke-hoach.txt", b"x" * 2048, "too_large", "tối đa 1 KB"),
        ("ke-hoach.odt", b"PK\x03\x04", "extension", "Chỉ nhận tệp .docx, .txt hoặc .pdf"),
        ("ke-hoach.docx", b"PK\x03\x04 not a zip", "corrupt_docx", "bị hỏng"),
        ("ke-hoach.pdf", b"not a pdf", "corrupt_pdf", "bị hỏng"),
    ],
)
def test_refused_uploads_explain_what_to_do(name, data, code, words):
    with pytest.raises(RecognitionError) as error:
        decode_upload(name, data, max_bytes=1024)
    assert error.value.code == code
    assert words in str(error.value) == error.value.message


# --- .docx --------------------------------------------------------------------------------------------


def _numbered(document, text: str, level: int):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
    )
    return paragraph


def _plan_docx() -> bytes:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {W} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2.%3."/></w:lvl>'
            '<w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%4)"/></w:lvl>'
            '<w:lvl w:ilvl="4"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="-"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = "ỦY BAN NHÂN DÂN"
    left.add_paragraph("HUYỆN THANH HÀ")
    left.add_paragraph("Số: 45/KH-UBND")
    right.paragraphs[0].text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    right.add_paragraph("Độc lập - Tự do - Hạnh phúc")
    right.add_paragraph("Thanh Hà, ngày 15 tháng 3 năm 2024")
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Tổ chức hưởng ứng Ngày Môi trường thế giới năm 2024")
    document.add_paragraph("Căn cứ Kế hoạch số 120/KH-UBND ngày 02/02/2024 của UBND tỉnh Hải Dương về việc tổ chức;")
    _numbered(document, "MỤC ĐÍCH, YÊU CẦU", 0)
    _numbered(document, "Mục đích", 1)
    document.add_paragraph("Nâng cao nhận thức của Nhân dân.")
    _numbered(document, "NỘI DUNG", 0)
    _numbered(document, "Tổ chức lễ mít tinh", 1)
    _numbered(document, "Chuẩn bị", 2)
    _numbered(document, "Nội dung: tuyên truyền", 3)
    _numbered(document, "Cơ quan chủ trì: Phòng Tài nguyên và Môi trường huyện.", 4)
    _numbered(document, "Thời gian thực hiện: Trước ngày 05/6/2024.", 4)
    _numbered(document, "TỔ CHỨC THỰC HIỆN", 0)
    legacy = document.add_paragraph().add_run("Phßng Tµi nguyªn vµ M«i tr\xadêng chñ tr\xd7")
    legacy.font.name = ".VnTime"
    capitals = document.add_paragraph().add_run("v¨n phßng")
    capitals.font.name = ".VnTimeH"
    footer = document.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    left.paragraphs[0].text = "Nơi nhận:"
    left.add_paragraph("- UBND tỉnh (để b/c);")
    left.add_paragraph("- Lưu: VT.")
    right.paragraphs[0].text = "TM. ỦY BAN NHÂN DÂN"
    right.add_paragraph("CHỦ TỊCH")
    right.add_paragraph("Nguyễn Văn Bình")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_header_table_numbering_and_legacy_runs_are_read_in_order():
    text = decode_upload("ke-hoach.docx", _plan_docx())
    assert text.split("\n") == [
        "|",
        "ỦY BAN NHÂN DÂN",
        "HUYỆN THANH HÀ",
        "Số: 45/KH-UBND",
        "|",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thanh Hà, ngày 15 tháng 3 năm 2024",
        "|",
        "KẾ HOẠCH",
        "Tổ chức hưởng ứng Ngày Môi trường thế giới năm 2024",
        "Căn cứ Kế hoạch số 120/KH-UBND ngày 02/02/2024 của UBND tỉnh Hải Dương về việc tổ chức;",
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "Nâng cao nhận thức của Nhân dân.",
        "II. NỘI DUNG",
        "1. Tổ chức lễ mít tinh",
        "1.1. Chuẩn bị",
        "a) Nội dung: tuyên truyền",
        "- Cơ quan chủ trì: Phòng Tài nguyên và Môi trường huyện.",
        "- Thời gian thực hiện: Trước ngày 05/6/2024.",
        "III. TỔ CHỨC THỰC HIỆN",
        "Phòng Tài nguyên và Môi trường chủ trì",
        "VĂN PHÒNG",
        "|",
        "Nơi nhận:",
        "- UBND tỉnh (để b/c);",
        "- Lưu: VT.",
        "|",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Nguyễn Văn Bình",
        "|",
    ]
    result = recognize(text)
    assert result.to_corpus_dict() == {
        "doc_type": "KH",
        "number": "45/KH-UBND",
        "issuer": "ỦY BAN NHÂN DÂN HUYỆN THANH HÀ",
        "place": "Thanh Hà",
        "issue_date": "2024-03-15",
        "title": "Tổ chức hưởng ứng Ngày Môi trường thế giới năm 2024",
        "legal_basis": ["Kế hoạch số 120/KH-UBND ngày 02/02/2024 của UBND tỉnh Hải Dương"],
        "sections": ["I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG", "III. TỔ CHỨC THỰC HIỆN"],
        "recipients": ["UBND tỉnh (để b/c)", "Lưu: VT"],
        "deadlines": [
            {
                "text": "Thời gian thực hiện: Trước ngày 05/6/2024",
                "start": None,
                "end": "2024-06-05",
                "unit": "Phòng Tài nguyên và Môi trường huyện",
            }
        ],
        "signer_title": "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH",
    }
    assert result.signer_name == "Nguyễn Văn Bình"
    assert [(s.text, s.level) for s in result.all_sections()] == [
        ("I. MỤC ĐÍCH, YÊU CẦU", 1),
        ("1. Mục đích", 2),
        ("II. NỘI DUNG", 1),
        ("1. Tổ chức lễ mít tinh", 2),
        ("1.1. Chuẩn bị", 3),
        ("a) Nội dung: tuyên truyền", 4),
        ("III. TỔ CHỨC THỰC HIỆN", 1),
    ]


# --- .pdf -----------------------------------------------------------------------------------------------


def _pdf(items: list[tuple[int, int, str]]) -> bytes:
    """A one-page PDF whose text layer holds `items` (x, y, text); Vietnamese via a ToUnicode map."""
    chars = sorted({ch for _, _, text in items for ch in text if ord(ch) > 126})
    codes = {ch: 128 + i for i, ch in enumerate(chars)}

    def encode(text: str) -> bytes:
        out = bytearray()
        for ch in text:
            if ch in "()\\":
                out += b"\\"
            out.append(codes.get(ch, ord(ch)))
        return bytes(out)

    pairs = " ".join(f"<{code:02X}> <{ord(ch):04X}>" for ch, code in codes.items())
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T def /CMapType 2 def "
        f"1 begincodespacerange <00> <FF> endcodespacerange {len(codes)} beginbfchar {pairs} endbfchar "
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    content = b" ".join(b"BT /F1 11 Tf %d %d Td (" % (x, y) + encode(text) + b") Tj ET" for x, y, text in items)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_layer_with_two_header_columns_is_recognised():
    pdf = _pdf(
        [
            (40, 800, "ỦY BAN NHÂN DÂN"),
            (320, 800, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            (40, 785, "HUYỆN THANH HÀ"),
            (320, 785, "Độc lập - Tự do - Hạnh phúc"),
            (40, 770, "Số: 45/KH-UBND"),
            (320, 770, "Thanh Hà, ngày 15 tháng 3 năm 2024"),
            (250, 740, "KẾ HOẠCH"),
            (150, 725, "Tổ chức hưởng ứng Ngày Môi trường"),
            (40, 700, "I. MỤC ĐÍCH, YÊU CẦU"),
            (40, 685, "II. NỘI DUNG"),
        ]
    )
    result = recognize(decode_upload("ke-hoach.pdf", pdf))
    assert (result.number, result.issuer, result.place, result.issue_date.isoformat()) == (
        "45/KH-UBND",
        "ỦY BAN NHÂN DÂN HUYỆN THANH HÀ",
        "Thanh Hà",
        "2024-03-15",
    )
    assert result.title == "Tổ chức hưởng ứng Ngày Môi trường"
    assert [s.text for s in result.top_sections()] == ["I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG"]


def test_scanned_pdf_without_text_layer_is_refused_with_ocr_advice():
    with pytest.raises(RecognitionError) as error:
        decode_upload("ban-quet.pdf", _pdf([]))
    assert error.value.code == "scanned_pdf"
    assert "OCR" in error.value.message and "lớp chữ" in error.value.message
