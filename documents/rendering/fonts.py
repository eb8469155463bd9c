"""The serif font embedded in rendered PDFs, found at a fixed path, and its metrics.

Nghị định 30/2020/NĐ-CP, Phụ lục I, Phần I, mục II.4 asks for Times New Roman,
which no free package ships. Liberation Serif 2.x has the same metrics (every
glyph the same width, so lines break where Word breaks them in the .docx) and
every Vietnamese letter. It comes from Debian's `fonts-liberation2`, installed by
`.ci/run`, at

    /usr/share/fonts/truetype/liberation2/LiberationSerif-{Regular,Bold,Italic,BoldItalic}.ttf

`/usr/share/fonts/truetype/liberation/` is tried second (Debian 13's
`fonts-liberation` is version 2); Debian 12's `fonts-liberation` there is version
1.07, which lacks the Vietnamese letters with two marks (ạ, ấ, ệ, …), and is
refused by the coverage check below rather than printing empty boxes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from documents.rendering.layout import RenderingError

FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
FACE_FILES: dict[str, str] = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold_italic": "LiberationSerif-BoldItalic.ttf",
}
DEBIAN_PACKAGE = "fonts-liberation2"

# Every letter of the Vietnamese alphabet with every tone mark, both cases (NFC).
VIETNAMESE_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ"
)


@dataclass(frozen=True)
class FontFamily:
    """The four faces registered with ReportLab: names to use in styles, and their files."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    directory: Path

    def missing_glyphs(self, text: str) -> str:
        """The characters of `text` (besides white space) that some face cannot draw, in order."""
        missing: list[str] = []
        for name in (self.regular, self.bold, self.italic, self.bold_italic):
            glyphs = pdfmetrics.getFont(name).face.charToGlyph
            missing.extend(c for c in text if not c.isspace() and ord(c) not in glyphs and c not in missing)
        return "".join(missing)


def text_width(text: str, *, size: float, bold: bool = False) -> float:
    """Width in points of `text` set in Times New Roman metrics (Liberation Serif); raises RenderingError."""
    family = serif_family()
    return pdfmetrics.stringWidth(text, family.bold if bold else family.regular, size)


@functools.cache
def serif_family() -> FontFamily:
    """Register Liberation Serif's four faces with ReportLab once; returns their names.

    Raises RenderingError naming the Debian package when no directory of
    `FONT_DIRS` has all four faces with every Vietnamese letter.
    """
    problems: list[str] = []
    for directory in FONT_DIRS:
        paths = {face: directory / file for face, file in FACE_FILES.items()}
        absent = [str(path) for path in paths.values() if not path.is_file()]
        if absent:
            problems.append(f"thiếu {', '.join(absent)}")
            continue
        names = {face: f"PlanflowSerif-{face}-{directory.name}" for face in paths}
        for face, path in paths.items():
            try:
                pdfmetrics.registerFont(TTFont(names[face], str(path)))
            except Exception as error:  # ReportLab raises bare TTFError and others on a bad file
                raise RenderingError(f"Không đọc được phông chữ {path}: {error}") from error
        family = FontFamily(directory=directory, **names)
        uncovered = family.missing_glyphs(VIETNAMESE_LETTERS)
        if uncovered:
            problems.append(f"{directory} thiếu chữ tiếng Việt “{uncovered[:12]}…”")
            continue
        pdfmetrics.registerFontFamily(
            family.regular,
            normal=family.regular,
            bold=family.bold,
            italic=family.italic,
            boldItalic=family.bold_italic,
        )
        return family
    raise RenderingError(
        "Không tìm thấy phông chữ có đủ dấu tiếng Việt để in PDF "
        f"({'; '.join(problems)}). Hãy cài gói Debian {DEBIAN_PACKAGE}: apt-get install -y {DEBIAN_PACKAGE}."
    )
