"""The draft editor's recipient rows: no "None" in the empty row, labelled checkboxes, units readable at 360 px."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _rows(page: str) -> list[str]:
    table = page.split('id="recipients"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def test_the_empty_extra_row_shows_no_none(client_of, seed_plan):
    page = client_of("chuyenvien").get(reverse("plans:edit", args=[seed_plan.pk])).content.decode()

    rows = _rows(page)
    extra = rows[-1]
    first_cell = re.search(r"<td[^>]*>(.*?)</td>", extra, flags=re.S).group(1)
    assert 'type="hidden"' in first_cell
    assert "None" not in re.sub(r"<[^>]+>", "", first_cell)
    assert "None" not in re.sub(r"<[^>]+>", "", extra)


def test_every_row_labels_its_checkboxes_and_writes_out_its_unit(client_of, seed_plan):
    """At 360 px (stacked rows) each cell says what it is and the chosen unit is written out in full."""
    recipients = list(seed_plan.recipients.select_related("unit").filter(removed_at__isnull=True))
    page = client_of("chuyenvien").get(reverse("plans:edit", args=[seed_plan.pk])).content.decode()

    rows = _rows(page)
    assert len(rows) == len(recipients) + 1
    for row, recipient in zip(rows, [*recipients, None], strict=True):
        for field, text in (("requires_report", "Phải báo cáo"), ("keep", "Giữ dòng này")):
            label = re.search(rf'<label for="(id_r-\d+-{field})">(.*?)</label>', row, flags=re.S)
            assert label, (field, row)
            assert f'id="{label.group(1)}"' in label.group(2)
            assert f'<span class="stack-label">{text}</span>' in label.group(2)
        assert 'data-label="Đơn vị"' in row and 'data-label="Mục đích"' in row
        if recipient is not None and recipient.unit is not None:
            assert f'<span class="unit-chosen">{recipient.unit.name}</span>' in row
    # the districts of a group phrase ("các huyện, thị xã") are told apart by their written-out names
    chosen = re.findall(r'<span class="unit-chosen">(.*?)</span>', page)
    assert len(chosen) == len(set(chosen)) >= 2
