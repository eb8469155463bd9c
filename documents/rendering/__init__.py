"""Rendering of a registered plan in the layout of Nghị định 30/2020/NĐ-CP, Phụ lục I.

    plan_to_docx(plan) -> bytes   a Word document (python-docx), Times New Roman by name
    plan_to_pdf(plan) -> bytes    a PDF (ReportLab) with Liberation Serif 2 embedded

Both read the plan once into a `layout.PlanDocument` and place its strings, so
the two files cannot disagree. Both raise `RenderingError` (a message in
Vietnamese) for a plan without number and date, an unknown document type, or,
for the PDF, a missing font (see `fonts.FONT_DIRS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from documents.rendering.layout import PlanDocument, RenderingError

if TYPE_CHECKING:
    from documents.models import Plan

__all__ = ["PlanDocument", "RenderingError", "plan_to_docx", "plan_to_pdf"]


def plan_to_docx(plan: Plan) -> bytes:
    """The plan as .docx bytes; raises RenderingError when it is not registered."""
    from documents.rendering.docx import render_docx

    return render_docx(PlanDocument.from_plan(plan))


def plan_to_pdf(plan: Plan) -> bytes:
    """The plan as PDF bytes with its font embedded; raises RenderingError (not registered, no font)."""
    from documents.rendering.pdf import render_pdf

    return render_pdf(PlanDocument.from_plan(plan))
