"""Reading and checking the directory's CSV files: every row, every error, nothing written.

See `documents.directory` for the files' layout and docs/directory.md for the clerk's guide.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.utils.translation import gettext as _

from documents.models import Membership, Unit

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem of an input file: `source` ("đơn vị"/"người dùng"), 1-based `line`, column, message.

    `line` and `column` are None for a problem of the whole file (encoding, missing header).
    `str()` gives the sentence shown to the clerk, e.g.
    "Dòng 7, cột 'đơn vị cha': không có đơn vị mã 'ubnd-xyz' trong tệp hay trong danh mục."
    """

    source: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(_("Dòng %(line)s") % {"line": self.line})
        if self.column is not None:
            where.append(_("cột '%(column)s'") % {"column": self.column})
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    @property
    def full(self) -> str:
        """The sentence with the file it is about: "Tệp đơn vị – Dòng 7, cột '…': …"."""
        # (a gettext call inside an f-string is invisible to makemessages)
        return _("Tệp %(source)s") % {"source": self.source} + f" – {self}"


@dataclass(frozen=True)
class Column:
    """A column of an input file: model field, Vietnamese name shown in errors, accepted headers."""

    field: str
    label: str
    headers: tuple[str, ...]
    required: bool = False


UNIT_COLUMNS = (
    Column("code", "mã", ("mã", "mã đơn vị", "code"), required=True),
    Column("name", "tên", ("tên", "tên đơn vị", "name"), required=True),
    Column("short_name", "tên viết tắt", ("tên viết tắt", "tên ngắn", "short name", "short_name")),
    Column("parent", "đơn vị cha", ("đơn vị cha", "mã đơn vị cha", "đơn vị cấp trên", "parent", "parent code")),
    Column("level", "cấp", ("cấp", "level"), required=True),
    Column("body", "loại cơ quan", ("loại cơ quan", "body"), required=True),
    Column("area_kind", "loại địa bàn", ("loại địa bàn", "area kind", "area_kind"), required=True),
    Column("area_name", "tên địa bàn", ("tên địa bàn", "địa bàn", "area name", "area_name")),
    Column("province", "tỉnh", ("tỉnh", "tỉnh, thành phố", "tỉnh thành phố", "province")),
    Column("symbol", "ký hiệu", ("ký hiệu", "symbol")),
    Column(
        "signature_authority",
        "thẩm quyền ký",
        ("thẩm quyền ký", "signature authority", "signature_authority"),
    ),
    Column("aliases", "tên gọi khác", ("tên gọi khác", "aliases")),
)

PEOPLE_COLUMNS = (
    Column("username", "tên đăng nhập", ("tên đăng nhập", "tài khoản", "username"), required=True),
    Column("full_name", "họ và tên", ("họ và tên", "họ tên", "full name", "full_name")),
    Column("email", "email", ("email", "e-mail", "thư điện tử")),
    Column("unit", "đơn vị", ("đơn vị", "mã đơn vị", "unit", "unit code")),
    Column("role", "vai trò", ("vai trò", "role")),
    Column("title", "chức vụ", ("chức vụ", "title")),
)
# A person row without unit and role only creates or updates the account.

IGNORED_HEADERS = ("ghi chú", "note", "notes", "stt")


def _key(text: str) -> str:
    """Compare key of a header or a choice: lower case, no diacritics, "đ" as "d", words by spaces."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9a-z]+", text)).strip()


def _choice_map(choices: Iterable[tuple[str, str]], extra: dict[str, str] | None = None) -> dict[str, str]:
    mapping = {}
    for value, label in choices:
        mapping[_key(value)] = value
        mapping[_key(str(label))] = value
    for word, value in (extra or {}).items():
        mapping[_key(word)] = value
    return mapping


def _choices() -> dict[str, tuple[dict[str, str], list[str]]]:
    """Per choice column: accepted spellings → value, and the Vietnamese labels listed in errors."""
    levels = _choice_map(
        Unit.Level.choices,
        {
            "trung ương": Unit.Level.CENTRAL,
            "tỉnh": Unit.Level.PROVINCE,
            "huyện": Unit.Level.DISTRICT,
            "xã": Unit.Level.COMMUNE,
        },
    )
    roles = _choice_map(Membership.Role.choices, {"cán bộ": Membership.Role.OFFICER})
    return {
        "level": (levels, [str(label) for _v, label in Unit.Level.choices]),
        "body": (_choice_map(Unit.Body.choices), [str(label) for _v, label in Unit.Body.choices]),
        "area_kind": (_choice_map(Unit.AreaKind.choices), [str(label) for _v, label in Unit.AreaKind.choices]),
        "role": (roles, [str(label) for _v, label in Membership.Role.choices]),
    }


@dataclass
class UnitRow:
    """A valid unit row: field values ready for `Unit` (`parent` is the parent's code or "")."""

    line: int
    values: dict[str, object]
    present: frozenset[str]

    @property
    def code(self) -> str:
        return str(self.values["code"])


@dataclass
class PersonRow:
    """A valid person row: username, full name, e-mail, unit code, role value, title."""

    line: int
    values: dict[str, str]
    present: frozenset[str]


@dataclass
class DirectoryFiles:
    """What `directory_parse` read: valid rows of both files and every error found."""

    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------


def _decode(data: bytes, source: str) -> tuple[str | None, list[RowError]]:
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return None, [RowError(source, None, None, _("Tệp lớn hơn %(mb)s MB.") % {"mb": limit})]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = _(
            'Tệp không ở bảng mã UTF-8. Trong Excel hãy chọn Lưu thành (Save As) → "CSV UTF-8 (Comma delimited)".'
        )
        return None, [RowError(source, None, None, message)]
    return unicodedata.normalize("NFC", text), []


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _read(
    data: bytes, source: str, columns: tuple[Column, ...]
) -> tuple[list[tuple[int, dict[str, str], frozenset[str]]], list[RowError]]:
    """Rows of a CSV as (line, {field: stripped cell}, fields present in the header), and errors."""
    text, errors = _decode(data, source)
    if text is None:
        return [], errors
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        return [], [RowError(source, 1, None, _("Tệp trống hoặc thiếu dòng tiêu đề."))]
    by_header = {_key(name): column for column in columns for name in column.headers}
    ignored = {_key(name) for name in IGNORED_HEADERS}
    positions: dict[int, Column] = {}
    for index, name in enumerate(header):
        key = _key(name)
        if not key or key in ignored:
            continue
        column = by_header.get(key)
        if column is None:
            known = ", ".join(f"'{c.label}'" for c in columns)
            message = _("tên cột không nhận ra; các cột dùng được: %(known)s.") % {"known": known}
            errors.append(RowError(source, 1, name.strip(), message))
        elif column in positions.values():
            errors.append(RowError(source, 1, name.strip(), _("cột này có hai lần.")))
        else:
            positions[index] = column
    present = frozenset(column.field for column in positions.values())
    for column in columns:
        if column.required and column.field not in present:
            errors.append(RowError(source, 1, column.label, _("thiếu cột bắt buộc này.")))
    if errors:
        return [], errors
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {column.field: "" for column in columns}
        for index, column in positions.items():
            values[column.field] = cells[index].strip() if index < len(cells) else ""
        rows.append((reader.line_num, values, present))
    return rows, []


def _check_length(model, name: str, value: str, error) -> None:
    max_length = model._meta.get_field(name).max_length
    if max_length and len(value) > max_length:
        error(name, _("dài quá %(max)s ký tự.") % {"max": max_length})


def _parse_units(data: bytes, source: str) -> tuple[list[UnitRow], list[RowError], set[str] | None]:
    """(valid rows, errors, codes written in the file, valid rows or not; None when the file was unreadable)."""
    raw, errors = _read(data, source, UNIT_COLUMNS)
    written = {values["code"] for _line, values, _present in raw if values["code"]} if not errors else None
    labels = {column.field: column.label for column in UNIT_COLUMNS}
    choices = _choices()
    rows: list[UnitRow] = []
    first_line: dict[str, int] = {}
    for line, values, present in raw:
        row_errors: list[RowError] = []

        def error(name: str, message: str, line=line, row_errors=row_errors) -> None:
            row_errors.append(RowError(source, line, labels[name], message))

        parsed: dict[str, object] = dict(values)
        for column in UNIT_COLUMNS:
            if column.required and not values[column.field]:
                error(column.field, _("không được để trống."))
        code = values["code"]
        if code:
            try:
                validate_slug(code)
            except ValidationError:
                error("code", _("mã '%(code)s' chỉ được gồm chữ không dấu, số, '-' và '_'.") % {"code": code})
            if code in first_line:
                error("code", _("mã '%(code)s' đã có ở dòng %(line)s.") % {"code": code, "line": first_line[code]})
            else:
                first_line[code] = line
        if values["parent"] and values["parent"] == code:
            error("parent", _("một đơn vị không thể là đơn vị cha của chính nó."))
        for name in ("level", "body", "area_kind"):
            if values[name]:
                mapping, shown = choices[name]
                value = mapping.get(_key(values[name]))
                if value is None:
                    message = _("'%(value)s' không phải giá trị dùng được; hãy dùng một trong: %(choices)s.") % {
                        "value": values[name],
                        "choices": ", ".join(shown),
                    }
                    error(name, message)
                parsed[name] = value
        for name in ("code", "name", "short_name", "area_name", "province", "symbol", "signature_authority"):
            _check_length(Unit, name, values[name], error)
        parsed["aliases"] = [a.strip() for a in re.split(r"[|\n]", values["aliases"]) if a.strip()]
        errors.extend(row_errors)
        if not row_errors:
            rows.append(UnitRow(line=line, values=parsed, present=present))
    return rows, errors, written


def _parse_people(data: bytes, source: str) -> tuple[list[PersonRow], list[RowError], set[str]]:
    """(valid rows, errors, usernames given a full name on some row of the file, valid or not)."""
    raw, errors = _read(data, source, PEOPLE_COLUMNS)
    named = {values["username"] for _line, values, _present in raw if values["username"] and values["full_name"]}
    labels = {column.field: column.label for column in PEOPLE_COLUMNS}
    roles, role_labels = _choices()["role"]
    user_model = get_user_model()
    username_field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    rows: list[PersonRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    person: dict[str, tuple[int, str, str]] = {}
    for line, values, present in raw:
        row_errors: list[RowError] = []

        def error(name: str, message: str, line=line, row_errors=row_errors) -> None:
            row_errors.append(RowError(source, line, labels[name], message))

        username = values["username"]
        if not username:
            error("username", _("không được để trống."))
        else:
            try:
                username_field.run_validators(username)
            except ValidationError:
                error(
                    "username",
                    _("tên đăng nhập '%(name)s' chỉ được gồm chữ, số và các ký tự @ . + - _ (tối đa %(max)s ký tự).")
                    % {"name": username, "max": username_field.max_length},
                )
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                error("email", _("'%(email)s' không phải địa chỉ email hợp lệ.") % {"email": values["email"]})
        if bool(values["unit"]) != bool(values["role"]):
            missing = "role" if values["unit"] else "unit"
            error(missing, _("cần ghi cả đơn vị và vai trò, hoặc bỏ trống cả hai."))
        if values["role"]:
            role = roles.get(_key(values["role"]))
            if role is None:
                message = _("'%(value)s' không phải vai trò dùng được; hãy dùng một trong: %(choices)s.") % {
                    "value": values["role"],
                    "choices": ", ".join(role_labels),
                }
                error("role", message)
            values = {**values, "role": role or ""}
        _check_length(user_model, "first_name", values["full_name"], lambda _n, m: error("full_name", m))
        _check_length(Membership, "title", values["title"], error)
        if username and values["unit"] and values["role"]:
            key = (username, values["unit"], values["role"])
            if key in seen:
                error("role", _("vai trò này của người này ở đơn vị này đã có ở dòng %(line)s.") % {"line": seen[key]})
            else:
                seen[key] = line
        if username in person:
            first, name, email = person[username]
            for name_field, before in (("full_name", name), ("email", email)):
                if values[name_field] and before and values[name_field] != before:
                    message = _("khác với dòng %(line)s của cùng tên đăng nhập ('%(before)s').") % {
                        "line": first,
                        "before": before,
                    }
                    error(name_field, message)
        elif username:
            person[username] = (line, values["full_name"], values["email"])
        errors.extend(row_errors)
        if not row_errors:
            rows.append(PersonRow(line=line, values=values, present=present))
    return rows, errors, named


def directory_parse(*, units_data: bytes | None, people_data: bytes | None) -> DirectoryFiles:
    """Read and check both files (either may be None) against each other and the directory in the database.

    Checks every row (nothing is written): required cells, codes, choices, lengths, duplicate codes
    and roles, parents found in the file or the database, no cycle of parents, units of people
    found, a full name for every new account. Returns the valid rows and every error of both files
    at once, the units file's first, each file's in the order of its lines.

    The cross-checks run on the valid rows even when other rows (of either file) have errors, so
    one upload shows everything to correct; a code or a name written on a row that has errors of
    its own counts as present, so that no error is only an echo of another. A file that could not
    be read at all (encoding, header) makes its cross-checks wait for a readable file.
    """
    result = DirectoryFiles()
    units_source, people_source = _("đơn vị"), _("người dùng")
    unit_codes: set[str] | None = set()
    named: set[str] = set()
    if units_data is not None:
        result.units, errors, unit_codes = _parse_units(units_data, units_source)
        result.errors.extend(errors)
    if people_data is not None:
        result.people, errors, named = _parse_people(people_data, people_source)
        result.errors.extend(errors)
    if unit_codes is not None:
        result.errors.extend(_check_parents(result.units, unit_codes, units_source))
    result.errors.extend(_check_people(result.people, unit_codes, named, people_source))
    rank = {units_source: 0, people_source: 1}
    result.errors.sort(key=lambda error: (rank.get(error.source, 2), error.line or 0))
    return result


def _check_parents(rows: list[UnitRow], written: set[str], source: str) -> list[RowError]:
    """Every parent code names a unit of the file (`written`: valid row or not) or of the database,
    and parents form no cycle (among the valid rows and the database)."""
    errors = []
    in_file = {row.code: row for row in rows}
    db_parent = dict(Unit.objects.values_list("code", "parent__code"))
    parent_of: dict[str, str | None] = dict(db_parent)
    for row in rows:
        if "parent" in row.present:
            parent_of[row.code] = str(row.values["parent"]) or None
        else:
            parent_of.setdefault(row.code, None)
    for row in rows:
        parent = row.values["parent"]
        if parent and parent not in in_file and parent not in written and parent not in db_parent:
            message = _("không có đơn vị mã '%(code)s' trong tệp hay trong danh mục.") % {"code": parent}
            errors.append(RowError(source, row.line, _("đơn vị cha"), message))
    if errors:
        return errors
    reported: set[str] = set()
    for row in rows:
        path, code = [], row.code
        while code is not None and code not in path:
            path.append(code)
            code = parent_of.get(code)
        if code is not None and code == row.code and not reported.intersection(path):
            reported.update(path)
            chain = " → ".join([*path, code])
            message = _("các đơn vị cha tạo thành vòng: %(chain)s.") % {"chain": chain}
            errors.append(RowError(source, row.line, _("đơn vị cha"), message))
    return errors


def _check_people(rows: list[PersonRow], unit_codes: set[str] | None, named: set[str], source: str) -> list[RowError]:
    """Units of people exist (units file or database); a new account has a full name.

    `unit_codes` are the codes written in the units file (None: that file was unreadable, so the
    units are not checked yet); `named` the usernames given a full name on any row of the people file.
    """
    errors = []
    check_units = unit_codes is not None
    unit_codes = unit_codes or set()
    wanted = {row.values["unit"] for row in rows if row.values["unit"]} - unit_codes
    known = set(Unit.objects.filter(code__in=wanted).values_list("code", flat=True))
    usernames = {row.values["username"] for row in rows}
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames}).values_list(
            user_model.USERNAME_FIELD, flat=True
        )
    )
    reported_name: set[str] = set()
    for row in rows:
        unit = row.values["unit"]
        if check_units and unit and unit not in unit_codes and unit not in known:
            message = _("không có đơn vị mã '%(code)s' trong tệp đơn vị hay trong danh mục.") % {"code": unit}
            errors.append(RowError(source, row.line, _("đơn vị"), message))
        username = row.values["username"]
        if username not in existing and username not in named and username not in reported_name:
            reported_name.add(username)
            message = _("tài khoản '%(name)s' chưa có: cần ghi họ và tên để tạo.") % {"name": username}
            errors.append(RowError(source, row.line, _("họ và tên"), message))
    return errors
