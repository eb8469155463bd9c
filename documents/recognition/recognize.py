"""Recognise the parts of an administrative plan text (Nghị định 30/2020/NĐ-CP, Phụ lục I).

`recognize(text)` runs the steps in order: normalisation (NFC, legacy fonts),
layout (logical paragraphs), header (number, issuer, place and date, type,
summary), preamble (legal basis), body headings, Nơi nhận and signature, a plan
attached after the signature (a Quyết định that promulgates a plan), task tables,
deadlines and tasks. Whatever cannot be recognised, or is guessed, becomes a
warning with its line.
"""

from __future__ import annotations

import re

from documents.recognition.basis import legal_basis
from documents.recognition.dates import resolve
from documents.recognition.deadlines import Extractor, Region
from documents.recognition.header import TYPE_HEADINGS, Header, parse_header, read_title, split_issuer, type_heading
from documents.recognition.layout import Para, build_paras
from documents.recognition.legacy import fix_legacy
from documents.recognition.model import Attachment, Deadline, Recognition, Section, Task, gettext_noop
from documents.recognition.normalize import normalize_text
from documents.recognition.recipients import Signature, find_label, find_signature, is_authority, read_recipients
from documents.recognition.sections import Heading, find_headings, owner, top_level, tree
from documents.recognition.tables import TaskRow, TaskTable, find_task_tables
from documents.recognition.units import (
    DOER_LABEL,
    LEAD_LABEL,
    PARTNER_LABEL,
    heading_unit,
    partners_in_block,
    responsible,
    strip_label,
)

# A heading that only labels who does a task: "Cơ quan chủ trì, phối hợp", "b) Cơ quan thực hiện:".
_ROLE = r"(?:chủ\s+trì|phối\s+hợp|thực\s+hiện)"
_LABEL_HEADING = re.compile(rf"(?:(?:Đơn vị|Cơ quan)\s+)?{_ROLE}(?:\s*,\s*{_ROLE})?\s*:?", re.IGNORECASE)
_ETH = "\u00d0"  # "Ð" (Icelandic eth) typed for "Đ" by some old Vietnamese keyboards


def recognize(text: str) -> Recognition:
    """Recognise the parts of a plan (or another administrative document) in `text`.

    Args:
        text: the document as pasted or decoded (any Unicode normal form, any line ends).

    Returns:
        A Recognition whose `text` is the normalised input all line numbers refer to.
        Never raises on odd input: missing parts are None/empty with a warning.
    """
    result = Recognition(text="")
    text = normalize_text(text)
    legacy = fix_legacy(text)
    if legacy.encoding:
        text = normalize_text(legacy.text)
        result.warn(
            "text",
            gettext_noop(
                "Văn bản gõ bằng phông chữ cũ (%(encoding)s) đã được chuyển sang Unicode: hãy soát lại dấu tiếng Việt."
            ),
            encoding=legacy.encoding.upper(),
        )
    text = text.replace("\u00ad", "")
    if _ETH in text and "Đ" not in text:
        text = text.replace(_ETH, "Đ")
    result.text = text
    paras = build_paras(text)
    header = parse_header(paras)
    _apply_header(result, header, paras)

    label = find_label(paras, header.end)
    main_end = label if label is not None else len(paras)
    signature: Signature | None = None
    after = len(paras)
    if label is not None:
        entries, signature, after = read_recipients(paras, label)
        result.recipients = entries
    else:
        signature = find_signature(paras, header.end, len(paras))
        if signature is not None:
            main_end = min(main_end, _index_of_line(paras, signature.line))
            after = signature.end or len(paras)
    _apply_signature(result, signature)

    headings = find_headings(paras, header.end, main_end)
    preamble_end = _preamble_end(paras, headings, header.end, main_end)
    items = legal_basis(paras, header.end, preamble_end)
    result.basis_items = items
    result.legal_basis = [item.text for item in items]

    regions = [Region(preamble_end, main_end, headings)]
    plan_headings = headings
    plan_type = result.doc_type
    body = (preamble_end, main_end)
    for attachment, start, end, found in _attachments(paras, after):
        result.attachments.append(attachment)
        regions.append(Region(start, end, found))
        if attachment.doc_type == "KH" and result.doc_type == "QĐ" and plan_type == "QĐ":
            # A decision promulgating a plan: the plan's sections and body are what planflow imports.
            plan_headings, plan_type, body = found, "KH", (start, end)
    result.sections = _sections(plan_headings, plan_type)
    if plan_headings is not headings:
        result.articles = _sections(headings, result.doc_type)

    tables = find_task_tables(paras)
    table_paras = set().union(*(t.paras for t in tables)) if tables else set()
    extractor = Extractor(paras, skip=set(table_paras))
    deadlines = extractor.run(regions)
    table_rows = _table_rows(tables)
    result.deadlines = sorted(deadlines + [d for _, d in table_rows if d], key=lambda d: d.line)
    result.tasks = _tasks(paras, regions, extractor, table_rows)
    result.body_text = _body_text(paras, *body)
    _warnings(result, header, paras, label)
    return result


def _index_of_line(paras: list[Para], line: int | None) -> int:
    return next((i for i, p in enumerate(paras) if p.line == line), len(paras)) if line else len(paras)


def _apply_header(result: Recognition, header: Header, paras: list[Para]) -> None:
    result.number = header.number
    result.issuer_lines = header.issuer_lines
    if header.issuer_lines:
        result.issuer = " ".join(header.issuer_lines)
        result.parent_issuer, _ = split_issuer(header.issuer_lines)
    result.place = header.place
    result.issue_date = header.issue_date
    result.doc_type = header.doc_type
    result.title = header.title if header.title else header.summary
    result.urgency = header.urgency
    result.addressees = header.addressees
    for name, index in (
        ("number", header.number_index),
        ("issuer", header.issuer_index),
        ("issue_date", header.date_index),
        ("doc_type", header.type_index),
        ("title", header.title_index if header.title else header.summary_index),
    ):
        if index is not None:
            result.lines[name] = paras[index].line
    result.title_line = result.lines.get("title")


def _apply_signature(result: Recognition, signature: Signature | None) -> None:
    if signature is None:
        return
    titles = [t for t in signature.titles if t]
    result.signer_authority = [t for t in titles if is_authority(t)]
    result.signer_title = " / ".join(titles) or None
    result.signer_name = signature.name
    if signature.line:
        result.lines["signer"] = signature.line


def _preamble_end(paras: list[Para], headings: list[Heading], start: int, end: int) -> int:
    """First para of the body: the first heading, the operative "QUYẾT ĐỊNH:" or the first list item."""
    for i in range(start, end):
        para = paras[i]
        if not para.is_text:
            continue
        if headings and i >= headings[0].index:
            return headings[0].index
        if para.bullet or (i > start and type_heading(para.text) == "QUYẾT ĐỊNH"):
            return i
    return headings[0].index if headings else end


def _attachments(paras: list[Para], start: int) -> list[tuple[Attachment, int, int, list[Heading]]]:
    """Documents printed after the signature: an attached KẾ HOẠCH, a PHỤ LỤC."""
    found = []
    i = start
    while i < len(paras):
        para = paras[i]
        name = type_heading(para.text) if para.is_text else None
        if not name:
            i += 1
            continue
        title, _, title_end = read_title(paras, i + 1)
        nxt = find_label(paras, title_end)
        end = nxt if nxt is not None else len(paras)
        headings = find_headings(paras, title_end, end)
        attachment = Attachment(TYPE_HEADINGS.get(name, "PL" if name == "PHỤ LỤC" else None), title, para.line)
        attachment.sections = _sections(headings, attachment.doc_type)
        found.append((attachment, title_end, end, headings))
        i = end
    return found


def _sections(headings: list[Heading], doc_type: str | None) -> list[Section]:
    roots = tree(headings)
    chosen = {id(h) for h in top_level(headings, doc_type)}
    top_roots = [h for h in headings if h.parent is None]
    for heading, section in zip(top_roots, roots, strict=True):
        section.top = id(heading) in chosen
    return roots


def _table_rows(tables: list[TaskTable]) -> list[tuple[TaskRow, Deadline | None]]:
    """Every data row of the task tables with the deadline of its time cell."""
    rows: list[tuple[TaskRow, Deadline | None]] = []
    for table in tables:
        for row in table.rows:
            deadline = None
            if row.time:
                start, end, kind = resolve(row.time)
                deadline = Deadline(
                    row.time, start, end, row.lead, kind, row.time_line, "table", "block" if row.lead else None
                )
            rows.append((row, deadline))
    return rows


def _tasks(
    paras: list[Para], regions: list[Region], extractor: Extractor, table_rows: list[tuple[TaskRow, Deadline | None]]
) -> list[Task]:
    """Task blocks: headings whose block names a lead/cooperating unit, unit headings, table rows."""
    tasks: dict[int, Task] = {}
    for region in regions:
        for i in range(region.start, region.end):
            para = paras[i]
            if not para.is_text:
                continue
            text = strip_label(para.text)
            if not (LEAD_LABEL.match(text) or PARTNER_LABEL.match(text) or DOER_LABEL.match(text)):
                continue
            position = _task_heading(paras, region.headings, i)
            if position is None or region.headings[position].index in tasks:
                continue
            heading = region.headings[position]
            tasks[heading.index] = Task(
                heading.title,
                heading.line,
                responsible(paras, region.headings, position),
                partners_in_block(paras, heading.index + 1, heading.end),
                section=heading.number,
            )
        for heading in region.headings:
            if (
                heading.index not in tasks
                and heading.parent is not None
                and heading_unit(heading.text)
                and heading_unit(heading.text) == heading.title.rstrip(" .:")
            ):
                tasks[heading.index] = Task(
                    heading.title, heading.line, heading_unit(heading.text), section=heading.number
                )
    for deadline, region, position in extractor.owners:
        while position is not None and region.headings[position].index not in tasks:
            position = region.headings[position].parent
        if position is not None:
            tasks[region.headings[position].index].deadlines.append(deadline)
    result = sorted(tasks.values(), key=lambda t: t.line)
    for row, deadline in table_rows:
        partners = [p.strip() for p in (row.partners or "").split(";") if p.strip()]
        result.append(Task(row.content or "", row.line, row.lead, partners, [deadline] if deadline else [], row.group))
    return result


def _task_heading(paras: list[Para], headings: list[Heading], index: int) -> int | None:
    """The task heading a label line belongs to.

    Skipped on the way up: headings that are labels themselves ("a) Cơ quan chủ trì", "2. Cơ quan chủ
    trì, phối hợp") and "(1)" points, which are sub-points of the numbered task above them.
    """
    position = owner(headings, index)
    while position is not None:
        heading = headings[position]
        text = strip_label(paras[heading.index].text)
        is_label = bool(_LABEL_HEADING.fullmatch(text)) or any(
            label.match(text) for label in (LEAD_LABEL, PARTNER_LABEL, DOER_LABEL)
        )
        if heading.index != index and heading.kind != "paren" and not is_label:
            return position
        position = heading.parent
    return None


def _body_text(paras: list[Para], start: int, end: int) -> str:
    """The body between preamble and Nơi nhận, one paragraph per line, Markdown and wraps undone."""
    lines = []
    for para in paras[start:end]:
        if para.is_text:
            lines.append(f"{para.bullet} {para.text}" if para.bullet else para.text)
    return "\n".join(lines)


# The warning for a document that is not a plan, one whole sentence per type (a translator
# sees each sentence, not a sentence with a word put in).
_NOT_A_PLAN = {
    "CV": gettext_noop("Văn bản là công văn, không phải kế hoạch: hãy kiểm tra lại tệp."),
    "QĐ": gettext_noop("Văn bản là quyết định, không phải kế hoạch: hãy kiểm tra lại tệp."),
    "BC": gettext_noop("Văn bản là báo cáo, không phải kế hoạch: hãy kiểm tra lại tệp."),
    "TTr": gettext_noop("Văn bản là tờ trình, không phải kế hoạch: hãy kiểm tra lại tệp."),
}


def _warnings(result: Recognition, header: Header, paras: list[Para], label: int | None) -> None:
    line = result.lines.get
    if header.number_index is None:
        result.warn("number", gettext_noop('Không thấy dòng "Số:" (số và ký hiệu văn bản).'))
    elif header.number_blank:
        result.warn(
            "number",
            gettext_noop("Số văn bản để trống (bản dự thảo chưa cấp số): văn thư sẽ cấp số khi đăng ký."),
            line("number"),
        )
    if not result.issuer:
        result.warn(
            "issuer",
            gettext_noop("Không thấy tên cơ quan ban hành ở góc trái phần đầu văn bản: lấy theo đơn vị soạn thảo."),
        )
    if header.date_index is None:
        result.warn("issue_date", gettext_noop("Không thấy dòng địa danh, ngày tháng năm ban hành."))
    elif header.date_blank:
        result.warn(
            "issue_date",
            gettext_noop("Ngày ban hành để trống (bản dự thảo): văn thư sẽ ghi ngày khi đăng ký."),
            line("issue_date"),
        )
    if header.type_index is None and result.doc_type:
        guess = (
            gettext_noop('Không thấy tên loại văn bản; đoán là %(doc_type)s theo trích yếu "V/v".')
            if result.doc_type == "CV"
            else gettext_noop("Không thấy tên loại văn bản; đoán là %(doc_type)s theo ký hiệu trong số văn bản.")
        )
        result.warn("doc_type", guess, line("number"), doc_type=result.doc_type)
    elif result.doc_type is None:
        result.warn("doc_type", gettext_noop("Không nhận ra loại văn bản (KẾ HOẠCH, QUYẾT ĐỊNH, …)."))
    if result.doc_type == "QĐ" and any(a.doc_type == "KH" for a in result.attachments):
        result.warn(
            "doc_type",
            gettext_noop("Quyết định ban hành kèm theo kế hoạch: các mục và thời hạn lấy từ kế hoạch kèm theo."),
            line("doc_type"),
        )
    elif result.doc_type in ("CV", "QĐ", "BC", "TTr"):
        result.warn("doc_type", _NOT_A_PLAN[result.doc_type], line("doc_type") or line("number"))
    if not result.title:
        result.warn(
            "title",
            gettext_noop("Không nhận ra trích yếu: hãy kiểm tra dòng ngay sau tên loại văn bản (KẾ HOẠCH)."),
            line("doc_type"),
        )
    if not result.top_sections():
        result.warn("sections", gettext_noop("Không nhận ra các mục lớn (I., II., …) của nội dung."))
    if label is None:
        result.warn("recipients", gettext_noop('Không thấy mục "Nơi nhận": hãy thêm nơi nhận trước khi trình.'))
    elif not any(r.is_archive for r in result.recipients):
        result.warn("recipients", gettext_noop('Nơi nhận thiếu dòng lưu ("Lưu: VT, …").'), paras[label].line)
    if result.signer_title is None and label is not None:
        result.warn("signer", gettext_noop("Không nhận ra chức vụ người ký."), paras[label].line)
    for deadline in result.deadlines:
        if deadline.end is None and deadline.start is None:
            result.warn(
                "deadlines",
                gettext_noop(
                    'Thời hạn "%(deadline)s" không có ngày cụ thể (định kỳ, theo sự kiện '
                    "hoặc theo kế hoạch khác): hãy đặt hạn nhắc việc nếu cần."
                ),
                deadline.line,
                deadline=deadline.text,
            )
        if deadline.unit is None:
            result.warn(
                "deadlines",
                gettext_noop('Không rõ đơn vị chủ trì của thời hạn "%(deadline)s".'),
                deadline.line,
                deadline=deadline.text,
            )
        elif deadline.unit_source == "subject":
            result.warn(
                "deadlines",
                gettext_noop(
                    'Đơn vị chủ trì "%(unit)s" của thời hạn "%(deadline)s" được suy ra từ chủ ngữ của câu: '
                    "hãy kiểm tra lại."
                ),
                deadline.line,
                unit=deadline.unit,
                deadline=deadline.text,
            )
