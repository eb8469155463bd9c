"""Turn an uploaded file into NFC plan text, or refuse it with a Vietnamese message.

Accepted: .txt (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1258, legacy
TCVN3/VNI bytes), .docx (python-docx, see docx_reader.py) and .pdf with a text layer
(pypdf). Refused with `RecognitionError`: empty or oversized files, the old binary
Word format (.doc, OLE2), PDFs without text (scans), unknown types, and text in a
legacy font that cannot be converted with confidence: mojibake is never returned.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.utils.translation import gettext_lazy as _

from documents.recognition.errors import RecognitionError
from documents.recognition.legacy import fix_legacy, looks_legacy, vietnamese_score
from documents.recognition.normalize import normalize_text

# Compound File Binary (OLE2) signature: Word 97-2003 .doc, also .xls/.ppt.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_PDF_MAGIC = b"%PDF"
_RTF_MAGIC = b"{\\rtf"
_TEXT_EXTENSIONS = (".txt", ".text", ".md")
# A page of a real text-layer PDF has hundreds of characters; a scan has none or a few stray ones.
_MIN_CHARS_PER_PAGE = 20
_VISIBLE = re.compile(r"\S")
# Control characters other than tab/newline: a text file has (almost) none, a binary file many.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

MESSAGES = {
    "empty": _("Tệp rỗng: hãy chọn lại đúng tệp kế hoạch (.docx, .txt hoặc .pdf có lớp chữ)."),
    "too_large": _("Tệp quá lớn (tối đa {limit}): hãy bỏ ảnh, tách phụ lục ra tệp riêng hoặc dán nội dung văn bản."),
    "doc": _(
        "Tệp Word đời cũ (.doc, Word 97–2003) không đọc được: hãy mở tệp bằng Word, lưu lại dạng .docx "
        "(Lưu thành / Save As, Word Document) rồi tải lại."
    ),
    "rtf": _("Tệp RTF không đọc được: hãy mở bằng Word, lưu thành định dạng .docx rồi tải lại."),
    "extension": _(
        "Chỉ nhận tệp .docx, .txt hoặc .pdf có lớp chữ (tệp đã tải: {name}). Hãy lưu văn bản thành .docx "
        "hoặc dán nội dung vào ô văn bản."
    ),
    "corrupt_docx": _("Tệp .docx bị hỏng hoặc không phải tệp Word: hãy mở lại bằng Word, lưu thành .docx rồi tải lại."),
    "corrupt_pdf": _("Tệp PDF bị hỏng hoặc không đọc được: hãy xuất lại PDF từ Word hoặc tải lên tệp .docx gốc."),
    "encrypted_pdf": _("Tệp PDF có mật khẩu: hãy tải lên bản không đặt mật khẩu hoặc tệp .docx gốc."),
    "scanned_pdf": _(
        "Tệp PDF không có lớp chữ (bản quét/ảnh chụp): hãy tải lên tệp .docx gốc, hoặc nhận dạng chữ (OCR) "
        "để PDF có lớp chữ rồi tải lại."
    ),
    "encoding": _(
        "Không xác định được bảng mã của tệp văn bản: hãy lưu tệp dạng UTF-8 (Notepad: Lưu thành, "
        "Mã hóa UTF-8) rồi tải lại."
    ),
    "legacy_font": _(
        "Văn bản được gõ bằng phông chữ cũ (TCVN3/ABC hoặc VNI) và không chuyển được sang Unicode một cách "
        "chắc chắn: hãy chuyển mã sang Unicode (Unikey: Công cụ chuyển mã, hoặc lưu lại bằng phông Times New Roman) "
        "rồi tải lại."
    ),
}


def _refuse(code: str, **values: str) -> RecognitionError:
    return RecognitionError(MESSAGES[code].format(**values), code=code)


def _limit(max_bytes: int) -> str:
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / (1024 * 1024):g} MB"
    return f"{max_bytes // 1024} KB" if max_bytes >= 1024 else f"{max_bytes} byte"


def decode_upload(filename: str, data: bytes, *, max_bytes: int = 10 * 1024 * 1024) -> str:
    """Read an uploaded plan file into text (Unicode NFC, "\\n" line ends).

    Args:
        filename: the name the browser sent; only its extension is used (.txt, .docx, .pdf).
        data: the file's bytes.
        max_bytes: largest accepted size.

    Returns:
        The text, normalised with `normalize_text`; legacy TCVN3/VNI text is converted to Unicode.

    Raises:
        RecognitionError: empty file, file over `max_bytes`, old binary .doc (OLE2 signature
            D0 CF 11 E0), RTF, damaged .docx/.pdf, PDF without a text layer (scan: needs OCR),
            password-protected PDF, unknown extension, undecodable text, or legacy-font text
            that cannot be converted with confidence. `error.message` is in Vietnamese.
    """
    if not data:
        raise _refuse("empty")
    if len(data) > max_bytes:
        raise _refuse("too_large", limit=_limit(max_bytes))
    name = (filename or "").strip()
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if data.startswith(_OLE_MAGIC):
        raise _refuse("doc")
    if data.startswith(_RTF_MAGIC):
        raise _refuse("rtf")
    if extension == ".doc" and not data.startswith(_ZIP_MAGIC):
        raise _refuse("doc")
    if extension in (".docx", ".doc", ".docm", ".dotx"):
        text = _docx_text(data)
    elif extension == ".pdf":
        text = _pdf_text(data)
    elif extension in _TEXT_EXTENSIONS or extension == "":
        if data.startswith(_PDF_MAGIC):
            text = _pdf_text(data)
        elif data.startswith(_ZIP_MAGIC):
            text = _docx_text(data)
        else:
            text = _plain_text(data)
    else:
        raise _refuse("extension", name=name or _("(không tên)"))
    return _unicode_or_refuse(normalize_text(text))


def _unicode_or_refuse(text: str) -> str:
    """Convert legacy-font text to Unicode, refuse it when the conversion is not convincing (or binary)."""
    controls = len(_CONTROL.findall(text))
    if controls and controls * 100 > len(text):
        raise _refuse("encoding")  # a binary file renamed .txt
    result = fix_legacy(text)
    if result.encoding and not result.confident:
        raise _refuse("legacy_font")
    return normalize_text(result.text)


def _plain_text(data: bytes) -> str:
    """Decode a plain-text upload: BOM, then strict UTF-8, then UTF-16 without BOM, then 8-bit encodings."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _refuse("encoding") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _looks_utf16(data):
        try:
            return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
        except UnicodeDecodeError:
            pass
    # 8-bit: either Windows-1258 (Vietnamese code page, combining tone marks) or bytes typed in a
    # TCVN3/VNI font (read byte for byte as Latin-1). Keep the reading that is best-formed Vietnamese.
    candidates: list[tuple[float, int, str]] = []
    try:
        windows = normalize_text(data.decode("cp1258"))
        candidates.append((vietnamese_score(windows), 1, windows))
    except UnicodeDecodeError:
        pass
    latin = data.decode("latin-1")
    if looks_legacy(latin):
        converted = fix_legacy(latin)
        if converted.confident:
            candidates.append((vietnamese_score(converted.text), 0, converted.text))
        elif not candidates or candidates[0][0] < 0.9:
            return latin  # refused as unconvertible legacy-font text by the caller
    if not candidates:
        raise _refuse("encoding")
    return max(candidates)[2]


def _looks_utf16(data: bytes) -> bool:
    sample = data[:2000]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    return max(zeros_even, zeros_odd) > len(sample) // 4


def _docx_text(data: bytes) -> str:
    from documents.recognition.docx_reader import docx_lines

    if not data.startswith(_ZIP_MAGIC):
        raise _refuse("corrupt_docx")
    try:
        lines, _ = docx_lines(data)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as error:
        raise _refuse("corrupt_docx") from error
    except Exception as error:  # python-docx raises package-specific errors on odd files
        raise _refuse("corrupt_docx") from error
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as error:  # pragma: no cover - pypdf is a runtime requirement
        raise _refuse("corrupt_pdf") from error
    if _PDF_MAGIC not in data[:1024]:
        raise _refuse("corrupt_pdf")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse("encrypted_pdf")
        pages = []
        for page in reader.pages:
            try:
                page_text = page.extract_text(extraction_mode="layout")
            except (TypeError, ValueError, KeyError):
                page_text = page.extract_text()
            pages.append(page_text or "")
    except RecognitionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise _refuse("corrupt_pdf") from error
    visible = sum(len(_VISIBLE.findall(page)) for page in pages)
    if not pages or visible < _MIN_CHARS_PER_PAGE * len(pages):
        raise _refuse("scanned_pdf")
    lines = [line.rstrip() for page in pages for line in page.split("\n")]
    return "\n".join(lines)
