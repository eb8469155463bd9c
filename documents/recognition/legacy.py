"""Text typed with the legacy 8-bit Vietnamese fonts (TCVN3/ABC and VNI-Windows) turned into Unicode.

Before Unicode became mandatory for state documents (Quyết định 72/2002/QĐ-TTg,
TCVN 6909:2001), offices typed with ".VnTime" (TCVN3, TCVN 5712:1993) or
"VNI-Times" fonts. Such a file stores Latin-1 code points that only look right in
that font, so an import shows "Céng hoµ x· héi" (TCVN3) or "Coäng hoøa xaõ
hoäi" (VNI). This module recognises both and converts them; a caller refuses the
text when the conversion is not convincing (see `fix_legacy`).

Tables are written with escapes: most legacy code points are look-alikes of
other letters and would be unreadable (and flagged by linters) as literals.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --- TCVN3 (ABC), one byte per letter -------------------------------------------------------------
# Order of each group: base, acute, grave, hook, tilde, dot below (standard TCVN 5712:1993 table).
_TCVN3_GROUPS: tuple[tuple[str, str], ...] = (
    ("\xb8\xb5\xb6\xb7\xb9", "áàảãạ"),
    ("\xa8\xbe\xbb\xbc\xbd\xc6", "ăắằẳẵặ"),
    ("\xa9\xca\xc7\xc8\xc9\xcb", "âấầẩẫậ"),
    ("\xd0\xcc\xce\xcf\xd1", "éèẻẽẹ"),
    ("\xaa\xd5\xd2\xd3\xd4\xd6", "êếềểễệ"),
    ("\xdd\xd7\xd8\xdc\xde", "íìỉĩị"),
    ("\xe3\xdf\xe1\xe2\xe4", "óòỏõọ"),
    ("\xab\xe8\xe5\xe6\xe7\xe9", "ôốồổỗộ"),
    ("\xac\xed\xea\xeb\xec\xee", "ơớờởỡợ"),
    ("\xf3\xef\xf1\xf2\xf4", "úùủũụ"),
    ("\xad\xf8\xf5\xf6\xf7\xf9", "ưứừửữự"),
    ("\xfd\xfa\xfb\xfc\xfe", "ýỳỷỹỵ"),
    ("\xae\xa1\xa2\xa3\xa4\xa5\xa6\xa7", "đĂÂÊÔƠƯĐ"),
)
TCVN3_TABLE: dict[str, str] = {
    code: letter for codes, letters in _TCVN3_GROUPS for code, letter in zip(codes, letters, strict=True)
}

# --- VNI-Windows, a base letter followed by one modifier byte ---------------------------------------
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
# modifier byte -> combining marks it adds (lower-case fonts; upper-case modifiers are the upper-case
# Latin-1 letters at the same position minus 0x20, e.g. "\xf9" / "\xd9").
_VNI_TONE = {"\xf9": _ACUTE, "\xf8": _GRAVE, "\xfb": _HOOK, "\xf5": _TILDE, "\xef": _DOT}
_VNI_CIRC = {"\xe2": "", "\xe1": _ACUTE, "\xe0": _GRAVE, "\xe5": _HOOK, "\xe3": _TILDE, "\xe4": _DOT}
_VNI_BREVE = {"\xea": "", "\xe9": _ACUTE, "\xe8": _GRAVE, "\xfa": _HOOK, "\xfc": _TILDE, "\xeb": _DOT}
# Letters that are one byte in VNI: i with tones, y with dot below, o/u with horn, d with stroke.
_VNI_SINGLE = {
    "\xed": "í",
    "\xec": "ì",
    "\xe6": "ỉ",
    "\xf3": "ĩ",
    "\xf2": "ị",
    "\xee": "ỵ",
    "\xf4": "ơ",
    "\xf6": "ư",
    "\xf1": "đ",
}


def _upper(code: str) -> str:
    return chr(ord(code) - 0x20)


def _build_vni() -> tuple[dict[str, str], dict[str, str]]:
    pairs: dict[str, str] = {}
    for lower in (True, False):

        def mod(code: str, lower: bool = lower) -> str:
            """The modifier byte in the lower- or upper-case form of the font."""
            return code if lower else _upper(code)

        for base in "aeiouy":
            b = base if lower else base.upper()
            for code, mark in _VNI_TONE.items():
                pairs[b + mod(code)] = unicodedata.normalize("NFC", b + mark)
        for base in "aeo":
            b = base if lower else base.upper()
            for code, mark in _VNI_CIRC.items():
                pairs[b + mod(code)] = unicodedata.normalize("NFC", b + _CIRC + mark)
        b = "a" if lower else "A"
        for code, mark in _VNI_BREVE.items():
            pairs[b + mod(code)] = unicodedata.normalize("NFC", b + _BREVE + mark)
        for horn_code, base in (("\xf4", "o"), ("\xf6", "u")):
            b = mod(horn_code)
            letter = base if lower else base.upper()
            for code, mark in _VNI_TONE.items():
                pairs[b + mod(code)] = unicodedata.normalize("NFC", letter + _HORN + mark)
    singles = dict(_VNI_SINGLE)
    singles.update({_upper(code): letter.upper() for code, letter in _VNI_SINGLE.items()})
    return pairs, singles


VNI_PAIRS, VNI_SINGLES = _build_vni()

# Code points that never occur in Unicode Vietnamese text but are frequent in legacy-font text.
# Why both sets: a TCVN3 text is full of "\xb5" (à) and "\xa9" (â); a VNI text of "\xf8" (grave) and
# "\xe4" (dot + circumflex). Upper-case Vietnamese letters such as "Ê", "Ô", "Ý" are NOT signals.
_VIETNAMESE_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
_VIETNAMESE_LETTERS |= {ch.upper() for ch in _VIETNAMESE_LETTERS}
LEGACY_SIGNALS = frozenset(
    ch
    for ch in (set(TCVN3_TABLE) | {c for pair in VNI_PAIRS for c in pair[1:]} | set(VNI_SINGLES))
    if ch not in _VIETNAMESE_LETTERS and ord(ch) >= 0xA0
)

# A Vietnamese syllable: onset, vowel nucleus (1-3 vowels), coda. Used to score a conversion.
_VOWELS = "aăâeêioôơuưy" + "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[{_VOWELS}]{{1,3}}(?:ch|ng|nh|[cmnpt])?"
)
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class LegacyResult:
    """Outcome of `fix_legacy`: the text to use and what was done.

    Attributes:
        text: converted text (or the input when nothing was converted).
        encoding: ``"tcvn3"``, ``"vni"`` or ``None`` when no conversion was applied.
        confident: False when legacy signals remain or the converted text does not read as Vietnamese.
    """

    text: str
    encoding: str | None
    confident: bool


# A word typed in a TCVN3 capital font next to plain capitals ("HO\xb9CH"): its tone letters are capitals too.
_CAPITAL_WORD = re.compile(r"[^\W\d_]*[A-Z][^\W\d_]*")


def _capitalise(match: re.Match[str]) -> str:
    word = match.group(0)
    ascii_letters = [ch for ch in word if ch.isascii()]
    if len(ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters):
        return word.upper()
    return word


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 (ABC) text to Unicode NFC, character by character (TCVN 5712:1993 table).

    TCVN3 has no capital letters with tone marks (capitals come from a separate font); a converted
    word whose plain letters are all capitals ("HO\xb9CH" → "HOẠCH") is written in capitals.
    """
    converted = unicodedata.normalize("NFC", "".join(TCVN3_TABLE.get(ch, ch) for ch in text))
    return _CAPITAL_WORD.sub(_capitalise, converted)


def vni_to_unicode(text: str) -> str:
    """Convert VNI-Windows text (base letter + modifier byte) to Unicode NFC."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in VNI_PAIRS:
            out.append(VNI_PAIRS[pair])
            i += 2
            continue
        out.append(VNI_SINGLES.get(text[i], text[i]))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def signal_count(text: str) -> int:
    """Number of characters in `text` that only legacy-font text contains."""
    return sum(1 for ch in text if ch in LEGACY_SIGNALS)


def vietnamese_score(text: str) -> float:
    """Share (0..1) of words with Vietnamese diacritics that are well-formed Vietnamese syllables.

    Words without any non-ASCII letter (abbreviations, numbers, English) are not counted;
    returns 1.0 when no word can be judged.
    """
    judged = valid = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        judged += 1
        if SYLLABLE.fullmatch(word.lower()):
            valid += 1
    return valid / judged if judged else 1.0


def looks_legacy(text: str) -> bool:
    """True when `text` contains enough legacy-font characters to be TCVN3/VNI rather than Unicode.

    Threshold: at least 3 signal characters and at least 1 % of the letters, so a stray "©" or
    "§" in a Unicode text is not taken for a legacy font.
    """
    signals = signal_count(text)
    if signals < 3:
        return False
    letters = sum(1 for ch in text if ch.isalpha())
    return signals >= max(3, letters // 100)


def fix_legacy(text: str) -> LegacyResult:
    """Convert `text` from TCVN3 or VNI to Unicode when it is legacy-font text.

    Both conversions are tried; the one that leaves no legacy character and reads best as
    Vietnamese (`vietnamese_score`) wins. `confident` is False when neither reaches a score
    of 0.9 or signals remain: the caller must then refuse the text rather than show mojibake.
    When most lines with accented letters are legacy text the whole text is converted (a
    legacy line may lack any tell-tale character, "S\xe8:"); when only a few lines are (runs
    pasted into a Unicode text), only those lines are, so the Unicode lines stay intact.

    Returns:
        LegacyResult with the (possibly unchanged) text.
    """
    if not looks_legacy(text):
        return LegacyResult(text, None, True)
    if vietnamese_score(text) >= 0.9 and signal_count(text) * 20 < sum(1 for ch in text if not ch.isascii()):
        # Unicode Vietnamese with a few stray symbols (e.g. "Ð" typed for "Đ"): not a legacy font.
        return LegacyResult(text, None, True)
    lines = text.split("\n")
    accented = [k for k, line in enumerate(lines) if not line.isascii()]
    legacy = [k for k in accented if signal_count(lines[k])]
    targets = set(range(len(lines))) if len(legacy) * 2 >= len(accented) else set(legacy)
    candidates = []
    for name, convert in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        converted = [convert(line) if k in targets else line for k, line in enumerate(lines)]
        sample = "\n".join(converted[k] for k in sorted(targets))
        remaining = signal_count(sample)
        candidates.append((remaining == 0, vietnamese_score(sample), -remaining, name, "\n".join(converted)))
    candidates.sort(reverse=True)
    clean, score, _, name, converted_text = candidates[0]
    return LegacyResult(converted_text, name, clean and score >= 0.9)
