"""Loading the directory (units and people with their roles) from CSV files an office clerk prepares.

Two files, each with a header row (docs/directory.md; samples in docs/directory/):

- units (đơn vị): one row per unit, `mã` (code), `tên`, `đơn vị cha` (the parent's code),
  `cấp`, `loại cơ quan`, `loại địa bàn` and the optional name, symbol and alias columns;
- people (người dùng): one row per role of a person in a unit, `tên đăng nhập`, `họ và tên`,
  `email`, `đơn vị` (the unit's code), `vai trò`, `chức vụ`.

Files are UTF-8 with or without a byte order mark (Excel's "CSV UTF-8"), separated by commas or
semicolons (Excel in a Vietnamese locale writes semicolons); headers may be Vietnamese, with or
without diacritics, or English. Choice cells take the code or the Vietnamese label
("huyen" or "huyện", "leader" or "Lãnh đạo").

`directory_parse` checks every row and returns every error found, each with its line number
and the Vietnamese column name. `directory_import` writes nothing unless the whole of both files
is valid, and then writes everything in one transaction: units are matched by code, people by
username, roles by (person, unit, role), so loading the same files twice changes nothing the
second time. Roles are granted through `services.membership_grant` (audited, with the unit's
object permissions); a role absent from the file is kept, never taken back.
"""

from documents.directory.loading import (
    Counts,
    ImportResult,
    count_rows,
    directory_import,
    set_password_links,
    summary_lines,
)
from documents.directory.reading import (
    MAX_FILE_BYTES,
    DirectoryFiles,
    PersonRow,
    RowError,
    UnitRow,
    directory_parse,
)

__all__ = [
    "MAX_FILE_BYTES",
    "Counts",
    "DirectoryFiles",
    "ImportResult",
    "PersonRow",
    "RowError",
    "UnitRow",
    "count_rows",
    "directory_import",
    "directory_parse",
    "set_password_links",
    "summary_lines",
]
