"""Resolve recipient phrases of a Nơi nhận block to units of the directory.

A phrase names one unit ("Sở Tài nguyên và Môi trường tỉnh"), a group of units
("Ban Thường trực Uỷ ban MTTQ các huyện, thị xã"), the archive copy ("Lưu: VT, …"),
or something the directory does not know. Matching works on `fold()`ed text, so
"Uỷ"/"Ủy", "hoà"/"hòa", decomposed diacritics and missing diacritics all match,
and on abbreviations expanded to their full words (UBND, MTTQ, HĐND, BTT, …).

A resolution's `note` is stored with the recipient row (`Recipient.note`) in Vietnamese,
the language-free form (a msgid of the catalog, placeholders filled in); `note_text`
shows it in the reader's language, old rows included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_noop

from documents.models import Purpose, Unit
from documents.recognition import fold

# Abbreviations of body names, as offices write them in Nơi nhận (folded form).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bubmttq\b", "uy ban mat tran to quoc"),
    (r"\bmttq\b", "mat tran to quoc"),
    (r"\bubnd\b", "uy ban nhan dan"),
    (r"\bhdnd\b", "hoi dong nhan dan"),
    (r"\bbtt\b", "ban thuong truc"),
    (r"\btn ?& ?mt\b|\btnmt\b", "tai nguyen va moi truong"),
    (r"\bgd ?& ?dt\b|\bgddt\b", "giao duc va dao tao"),
    (r"\bvn\b", "viet nam"),
    (r"\btp\.? ?", "thanh pho "),
    (r"\btx\.? ?", "thi xa "),
)
_ABBREVIATIONS = [(re.compile(pattern), full) for pattern, full in ABBREVIATIONS]

# "Mặt trận Tổ quốc Việt Nam" and "Mặt trận Tổ quốc" name the same body.
_NOISE = re.compile(r"\bviet nam\b")
_ARCHIVE = re.compile(r"^luu\b")

# Area kinds a group phrase can enumerate after "các", in folded form.
GROUP_KINDS: dict[str, tuple[str, ...]] = {
    "huyen": (Unit.AreaKind.DISTRICT,),
    "quan": (Unit.AreaKind.URBAN_DISTRICT,),
    "thi xa": (Unit.AreaKind.TOWN,),
    "thanh pho": (Unit.AreaKind.CITY,),
    "xa": (Unit.AreaKind.COMMUNE,),
    "phuong": (Unit.AreaKind.WARD,),
    "thi tran": (Unit.AreaKind.TOWNLET,),
}
_KIND_WORDS = r"(?:huyen|quan|thi xa|thanh pho|xa|phuong|thi tran)"
# Keys have no punctuation left: "các huyện, thị xã và thành phố" is "cac huyen thi xa va thanh pho".
_GROUP = re.compile(rf"\bcac\s+({_KIND_WORDS}(?:\s+(?:va\s+)?{_KIND_WORDS})*)\b")
_KIND = re.compile(rf"\b{_KIND_WORDS}\b")
_DEPARTMENT_GROUP = re.compile(r"\bcac\s+so(?:\s+ban)?(?:\s+nganh)?\b")
_BODY_WORDS: tuple[tuple[str, str], ...] = (
    ("mat tran to quoc", Unit.Body.FRONT),
    ("uy ban nhan dan", Unit.Body.PEOPLES_COMMITTEE),
    ("hoi dong nhan dan", Unit.Body.PEOPLES_COUNCIL),
)
_LEVEL_WORDS = {"tinh": Unit.Level.PROVINCE, "thanh pho": Unit.Level.PROVINCE}


# The notes a resolution (or `services.recipients_propose`) writes on a recipient row, in
# Vietnamese; `note_text` translates them when shown. Keep every note written in this list:
# a stored note that matches none of them is shown as it is.
NOTE_ARCHIVE = gettext_noop("Bản lưu, không phát hành")
NOTE_ISSUER = gettext_noop("Đơn vị ban hành (bản lưu nội bộ)")
NOTE_EMPTY_GROUP = gettext_noop("Không có đơn vị nào trong danh bạ thuộc nhóm này")
NOTE_AMBIGUOUS = gettext_noop("Trùng tên với nhiều đơn vị: %(units)s")
NOTE_NOT_FOUND = gettext_noop("Không tìm thấy đơn vị trong danh bạ; văn thư cần chọn đơn vị hoặc gửi ngoài hệ thống")
NOTES: tuple[str, ...] = (NOTE_ARCHIVE, NOTE_ISSUER, NOTE_EMPTY_GROUP, NOTE_AMBIGUOUS, NOTE_NOT_FOUND)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _note_pattern(template: str) -> re.Pattern[str]:
    """A stored note made from `template`: the placeholders match anything (a name list may be cut at 255)."""
    parts = _PLACEHOLDER.split(template)
    pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*)" for i, part in enumerate(parts))
    return re.compile(pattern, re.DOTALL)


_NOTE_PATTERNS = [(template, _note_pattern(template)) for template in NOTES]


def note_text(note: str) -> str:
    """A recipient's stored `note` (Vietnamese) in the active language.

    Matches the note against `NOTES` and translates the matching template, the values
    (unit names) kept as written; an empty note gives "", a note matching none of them
    (written by hand, or by an older version) is returned unchanged. In English,
    "Trùng tên với nhiều đơn vị: Sở A; Sở B" reads "Several units have this name: Sở A; Sở B".
    """
    for template, pattern in _NOTE_PATTERNS:
        match = pattern.fullmatch(note)
        if match:
            return gettext(template) % match.groupdict() if match.groupdict() else gettext(template)
    return note


def match_key(text: str) -> str:
    """Fold `text` and expand abbreviations: the form in which names are compared.

    >>> match_key("Ban Thường trực Uỷ ban MTTQ tỉnh")
    'ban thuong truc uy ban mat tran to quoc tinh'
    """
    key = fold(text)
    key = key.replace("đ", "d")
    for pattern, full in _ABBREVIATIONS:
        key = pattern.sub(full, key)
    key = _NOISE.sub(" ", key)
    key = re.sub(r"[^\w&]+", " ", key)
    return " ".join(key.split())


@dataclass
class Resolution:
    """What one Nơi nhận phrase resolved to.

    `units` is empty for the archive copy and for a phrase that matched nothing
    (then `needs_attention` is True). `is_group` says the phrase covered several units.
    `note` is one of `NOTES` in Vietnamese, filled in (stored as is; shown with `note_text`).
    """

    phrase: str
    purpose: str
    units: list[Unit] = field(default_factory=list)
    is_group: bool = False
    needs_attention: bool = False
    note: str = ""


class Directory:
    """The units an issuer can address, indexed once per import by their match keys.

    `issuer` scopes relative phrases: "tỉnh" without a name means the issuer's
    province, a group "các huyện" means the district-level units of that province.
    """

    def __init__(self, *, issuer: Unit, units: Iterable[Unit] | None = None) -> None:
        self.issuer = issuer
        if units is None:
            units = Unit.objects.filter(is_active=True)
            if issuer.province:
                units = units.filter(province__in=[issuer.province, ""])
        self.units = list(units)
        self._by_key: dict[str, list[Unit]] = {}
        for unit in self.units:
            for key in self._keys(unit):
                self._by_key.setdefault(key, []).append(unit)

    def _keys(self, unit: Unit) -> set[str]:
        names = [unit.name, unit.short_name, *unit.aliases]
        keys = {match_key(name) for name in names if name}
        # Within its own province a unit is also named without the province's
        # name: "Sở Tài nguyên và Môi trường tỉnh", "Ban Thường trực Uỷ ban MTTQ tỉnh".
        if unit.province and unit.province == self.issuer.province and unit.level == Unit.Level.PROVINCE:
            province_key = match_key(unit.province)
            keys |= {" ".join(key.replace(province_key, " ").split()) for key in list(keys)}
        return keys

    def resolve(self, phrase: str, *, purpose: str | None = None) -> Resolution:
        """Resolve one Nơi nhận entry; never raises, never drops the phrase."""
        key = match_key(phrase)
        if _ARCHIVE.match(key):
            return Resolution(phrase=phrase, purpose=Purpose.ARCHIVE, note=NOTE_ARCHIVE)
        purpose = purpose or Purpose.IMPLEMENT

        group = self._resolve_group(key)
        if group is not None:
            units = [u for u in group if u.pk != self.issuer.pk]
            return Resolution(
                phrase=phrase,
                purpose=purpose,
                units=units,
                is_group=True,
                needs_attention=not units,
                note="" if units else NOTE_EMPTY_GROUP,
            )

        units = self._by_key.get(key) or self._by_key.get(_strip_purpose(key)) or []
        if len(units) == 1:
            return Resolution(phrase=phrase, purpose=purpose, units=units)
        if len(units) > 1:
            return Resolution(
                phrase=phrase,
                purpose=purpose,
                needs_attention=True,
                note=NOTE_AMBIGUOUS % {"units": "; ".join(u.name for u in units)},
            )
        return Resolution(
            phrase=phrase,
            purpose=purpose,
            needs_attention=True,
            note=NOTE_NOT_FOUND,
        )

    def _resolve_group(self, key: str) -> list[Unit] | None:
        body = next((b for words, b in _BODY_WORDS if words in key), None)
        match = _GROUP.search(key)
        if match:
            kinds = {kind for word in _KIND.findall(match.group(1)) for kind in GROUP_KINDS[word]}
            prefix = key[: match.start()].strip()
            return [
                u
                for u in self.units
                if u.area_kind in kinds
                and (body is None or u.body == body)
                and (not prefix or _prefix_matches(prefix, u))
            ]
        if _DEPARTMENT_GROUP.search(key):
            return [u for u in self.units if u.body == Unit.Body.DEPARTMENT]
        return None


def _prefix_matches(prefix: str, unit: Unit) -> bool:
    """True when the words before "các …" stand in the unit's name ("mat tran to quoc" in "ban thuong truc …")."""
    return f" {prefix} " in f" {match_key(unit.name)} "


_PURPOSE_TAIL = re.compile(r"\s*\b(de thuc hien|de biet|de bao cao|de phoi hop|b c|bc|t h|th)\s*$")


def _strip_purpose(key: str) -> str:
    return _PURPOSE_TAIL.sub("", key).strip()
