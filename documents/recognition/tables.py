"""Task tables: rows of "TT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành | …".

Appendices of provincial plans list their tasks in such a table (corpus doc 12).
Saved from the web or from Word (docx_reader.py) a table arrives one cell after
the other with "|" separators, a row starting after two separators; a row is
recognised by its index cell ("1", "2", …; "I", "II" for group rows). Cells lost by
the source (a line of dots) end the current row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from documents.recognition.layout import Para

_INDEX = re.compile(r"^(?:\d{1,3}|[IVXL]{1,6}|[A-H])\.?$")
_ARABIC_INDEX = re.compile(r"^\d{1,3}\.?$")
_ELLIPSIS = re.compile(r"^[.…\s·]+$")
_LEAD = re.compile(r"chủ\s+trì", re.IGNORECASE)
_TIME = re.compile(r"^(?:thời\s+gian|thời\s+hạn|tiến\s+độ|hạn\s+hoàn\s+thành)", re.IGNORECASE)
_PARTNER = re.compile(r"phối\s+hợp", re.IGNORECASE)
_CONTENT = re.compile(r"nội\s+dung|nhiệm\s+vụ|công\s+việc|hoạt\s+động", re.IGNORECASE)
_MAX_CELL = 400


@dataclass
class Cell:
    """One table cell: text (wrapped lines joined), first line, para indices."""

    text: str
    line: int
    paras: list[int] = field(default_factory=list)


@dataclass
class TaskRow:
    """A data row of a task table."""

    index: str
    content: str | None
    lead: str | None
    partners: str | None
    time: str | None
    time_line: int
    line: int
    group: str | None


@dataclass
class TaskTable:
    """A task table: its rows and every para index it covers."""

    rows: list[TaskRow] = field(default_factory=list)
    paras: set[int] = field(default_factory=set)


def _tokens(paras: list[Para]) -> list[Cell | None]:
    """Cells and separators (None) in order; consecutive text paras form one cell."""
    tokens: list[Cell | None] = []
    for i, para in enumerate(paras):
        if para.kind == "sep":
            tokens.append(None)
        elif para.is_text:
            last = tokens[-1] if tokens else None
            if isinstance(last, Cell) and i - 1 in last.paras:
                last.text = f"{last.text} {para.text}"
                last.paras.append(i)
            else:
                tokens.append(Cell(para.text, para.line, [i]))
    return tokens


def _header(tokens: list[Cell | None], k: int) -> tuple[int, int] | None:
    """(first, after-last) token positions of the header row around the "chủ trì" cell at `k`."""
    start = k
    while start > 0:
        prev = tokens[start - 1]
        if prev is None and start > 1 and tokens[start - 2] is None:
            break
        if isinstance(prev, Cell) and (len(prev.text.split()) > 8 or _INDEX.match(prev.text)):
            break
        start -= 1
    end = k
    while end + 1 < len(tokens):
        nxt = tokens[end + 1]
        if nxt is None and end + 2 < len(tokens) and tokens[end + 2] is None:
            end += 1
            break
        if isinstance(nxt, Cell) and (len(nxt.text.split()) > 8 or _INDEX.match(nxt.text)):
            break
        end += 1
    return start, end + 1


def find_task_tables(paras: list[Para]) -> list[TaskTable]:
    """Every table with a lead-unit (chủ trì) column and a time column, with its data rows."""
    tokens = _tokens(paras)
    tables: list[TaskTable] = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if not (isinstance(token, Cell) and _LEAD.search(token.text) and len(token.text.split()) <= 5):
            k += 1
            continue
        bounds = _header(tokens, k)
        if bounds is None:
            k += 1
            continue
        start, after = bounds
        header = [t for t in tokens[start:after] if isinstance(t, Cell)]
        names = [c.text for c in header]
        if not any(_TIME.search(n) for n in names):
            k += 1
            continue
        table = _read_rows(tokens, after, names)
        for cell in header:
            table.paras.update(cell.paras)
        tables.append(table)
        k = after + 1
    return tables


def _column(names: list[str], pattern: re.Pattern[str], exclude: re.Pattern[str] | None = None) -> int | None:
    for j, name in enumerate(names):
        if pattern.search(name) and not (exclude and exclude.search(name)):
            return j
    return None


def _read_rows(tokens: list[Cell | None], start: int, names: list[str]) -> TaskTable:
    table = TaskTable()
    ncols = len(names)
    lead_col = _column(names, _LEAD)
    time_col = _column(names, _TIME)
    partner_col = _column(names, _PARTNER, _LEAD)
    content_col = _column(names, _CONTENT)
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    gap = 0
    group: str | None = None
    groups: list[str | None] = []
    for token in tokens[start:]:
        if token is None:
            gap += 1
            continue
        if len(token.text) > _MAX_CELL:
            break
        table.paras.update(token.paras)
        if _ELLIPSIS.match(token.text):
            if row:
                rows.append(row)
                groups.append(group)
            row, gap = [], 0
            continue
        if _INDEX.match(token.text) and (not row or gap >= 2 or len(row) >= ncols):
            if row:
                rows.append(row)
                groups.append(group)
            row = [token]
        else:
            if row and gap > 1:
                row.extend(Cell("", token.line) for _ in range(gap - 1))
            row.append(token)
        gap = 0
        if len(row) == 2 and not _ARABIC_INDEX.match(row[0].text):
            group = token.text
    if row:
        rows.append(row)
        groups.append(group)
    for cells, group_name in zip(rows, groups, strict=True):
        if not _ARABIC_INDEX.match(cells[0].text) or len(cells) < 4:
            continue

        def cell(col: int | None, cells: list[Cell] = cells) -> Cell | None:
            """The non-empty cell of column `col` in this row, or None."""
            return cells[col] if col is not None and col < len(cells) and cells[col].text else None

        time = cell(time_col)
        lead = cell(lead_col)
        content = cell(content_col)
        partners = cell(partner_col)
        table.rows.append(
            TaskRow(
                index=cells[0].text.rstrip("."),
                content=content.text if content else None,
                lead=lead.text.strip(" .;") if lead else None,
                partners=partners.text if partners else None,
                time=time.text.strip(" .;") if time else None,
                time_line=time.line if time else cells[0].line,
                line=cells[0].line,
                group=group_name,
            )
        )
    return table
