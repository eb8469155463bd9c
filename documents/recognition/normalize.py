"""Text normalisation and the folding key used to match unit names.

`normalize_text` is the first step of every recognition: the seed plan mixes
decomposed diacritics with precomposed ones and both "Uỷ" and "Ủy", so every
comparison works on NFC text with one kind of line end.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and the byte-order mark carry no text; Word and web pages leave them in.
# The soft hyphen (U+00AD) is NOT removed here: in text typed with a TCVN3 font it is the letter "ư"
# and the legacy-font converter needs it (see legacy.py); `recognize` drops it after that step.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Every Unicode line separator becomes "\n" so that line numbers mean the same thing everywhere.
_LINE_ENDS = re.compile("\r\n|\r|\u2028|\u2029|\x0b|\x0c|\x85")
# No-break and typographic spaces are plain spaces for a parser (Word writes U+00A0 around "–").
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_WHITESPACE = re.compile(r"\s+")

# Tone marks in NFD. Used to move the tone of "oa", "oe", "uy" between the old and the new placement.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old placement writes the tone on the second vowel of an open "oa/oe/uy" syllable ("hoà", "thuỷ",
# "Uỷ"); the other one on the first ("hòa", "thủy", "Ủy"). Both are correct Vietnamese (Quyết định
# 1989/QĐ-BGDĐT and Nghị định 30/2020/NĐ-CP use both), so a match key must not depend on it.
# "qu" + "y" is a consonant cluster + vowel ("quý"): never moved.
_OLD_PLACEMENT = re.compile(rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![^\W\d_])")


def normalize_text(text: str) -> str:
    """Return `text` in Unicode NFC with "\\n" line ends and no zero-width characters.

    Line structure is kept (same number of lines for the same line ends), so a
    line number computed on the result is the line number a user sees. Tabs are
    kept; no-break spaces become spaces.

    Args:
        text: any text (pasted, decoded from an upload).

    Returns:
        The normalised text. Never raises.
    """
    text = _ZERO_WIDTH.sub("", text)
    text = _LINE_ENDS.sub("\n", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def unify_tone_placement(text: str) -> str:
    """Move the tone of open "oa", "oe", "uy" syllables to the first vowel ("hoà" → "hòa", "Uỷ" → "Ủy").

    Returns NFC text. Syllables with a final consonant ("hoạch", "huyện") and "qu" + "y" are unchanged.
    """
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_PLACEMENT.sub(r"\1\3\2", decomposed))


def strip_diacritics(text: str) -> str:
    """Remove every combining mark and write "đ"/"Đ" as "d"/"D" (NFC in, ASCII letters out for Vietnamese)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Return the matching key of a name: NFC, lower case, tone placement unified, no diacritics.

    "Uỷ ban MTTQ các huyện,  thị xã" and "UY BAN mttq cac huyen, thi xa" fold to
    the same key "uy ban mttq cac huyen, thi xa". Punctuation is kept; runs of
    whitespace become one space.

    Args:
        text: a unit name, recipient phrase or any text.

    Returns:
        The folded key (possibly empty).
    """
    text = unicodedata.normalize("NFC", text).lower()
    text = unify_tone_placement(text)
    text = strip_diacritics(text)
    return _WHITESPACE.sub(" ", text).strip()


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return _WHITESPACE.sub(" ", text).strip()
