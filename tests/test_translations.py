"""The Vietnamese catalog for viewflow's and django-filter's UI (locale/vi/LC_MESSAGES).

viewflow ships no Vietnamese translation; without locale/vi the Material frontend shows
"Inbox", "Queue", "Log in", "Execute" ... to provincial office staff.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from pathlib import Path

import django_filters
import pytest
import viewflow
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"

# English a page must no longer show once the catalog is in place (case-sensitive: the URLs are /inbox/, /queue/).
ENGLISH_MENU = ("Inbox", "Queue", "Archive", "Dashboard", "Log out")


def _parse_po(path: Path) -> dict[tuple[str | None, str], dict]:
    """(msgctxt, msgid) -> {"plural": msgid_plural or None, "msgstr": [str, ...]}.

    Enough of the PO format for gettext-tools output (entries separated by blank lines; obsolete
    "#~" entries skipped), so the test needs neither polib nor msgfmt.
    """
    entries: dict[tuple[str | None, str], dict] = {}
    current: dict[str, str] = {}
    field = None

    def flush() -> None:
        if current.get("msgid"):
            msgstrs = [current[k] for k in sorted(k for k in current if k.startswith("msgstr"))]
            entries[(current.get("msgctxt"), current["msgid"])] = {
                "plural": current.get("msgid_plural"),
                "msgstr": msgstrs,
            }
        current.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if not line and current:
                flush()
                field = None
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            field, literal = match.groups()
            current[field] = ast.literal_eval(literal)
        else:
            assert line.startswith('"') and field, f"{path.name}: unexpected line {raw!r}"
            current[field] += ast.literal_eval(line)
    flush()
    return entries


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\([^)]+\)[sd]|%[sd]|\{[^{}]+\}", text))


@pytest.fixture
def vietnamese():
    with translation.override("vi"):
        yield


# --------------------------------------------------------------------------- rendered pages


@pytest.mark.django_db
def test_login_page_is_vietnamese(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Đăng nhập", "Đặt lại mật khẩu", "Tên đăng nhập", "Mật khẩu"):
        assert text in html, text
    for english in ("Log in", "Reset password", "Viewflow Demo suite"):
        assert english not in html, english


@pytest.mark.parametrize(
    ("url_name", "title"),
    [("plan:inbox", "Việc của tôi"), ("plan:queue", "Việc chờ nhận")],
)
def test_task_lists_are_vietnamese(client_of, url_name, title):
    response = client_of("chuyenvien").get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="vi")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<h1 class="vf-card__title">\s*' + title, html), "the list's own heading"
    # the flow menu, the column titles, the user menu
    for text in ("Việc của tôi", "Việc chờ nhận", "Đã xử lý", "Tổng quan", "Công việc", "Ngày tạo", "Đăng xuất"):
        assert text in html, text
    for english in (*ENGLISH_MENU, "Log in", ">Task<", "Created"):
        assert english not in html, english


# --------------------------------------------------------------------------- the catalog itself


def test_gettext_execute(vietnamese):
    assert translation.gettext("Execute") == "Thực hiện"


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("Execute and continue", "Thực hiện và tiếp tục"),
        ("Assign", "Nhận xử lý"),
        ("Unassign", "Trả lại việc"),
        ("Inbox", "Việc của tôi"),
        ("Queue", "Việc chờ nhận"),
        ("Archive", "Đã xử lý"),
        ("Dashboard", "Tổng quan"),
        ("Task", "Công việc"),
        ("Brief", "Tóm tắt"),
        ("Created", "Ngày tạo"),
        ("Process", "Quy trình"),
        ("Cancel", "Hủy"),
        ("Log in", "Đăng nhập"),
        # django-filter
        ("Yesterday", "Hôm qua"),
        ("%s (descending)", "%s (giảm dần)"),
    ],
)
def test_gettext(vietnamese, msgid, expected):
    assert translation.gettext(msgid) == expected


def test_context_plural_and_placeholders(vietnamese):
    assert translation.pgettext("STATUS", "New") == "Mới"
    assert translation.pgettext("STATUS", "Done") == "Đã hoàn thành"
    assert translation.gettext("Task {task} has been assigned.").format(task="#7") == "Đã nhận xử lý công việc #7."
    assert translation.gettext("Process #%(pk)s has been canceled.") % {"pk": 3} == "Đã hủy quy trình #3."
    # an untrimmed {% blocktrans count %}: the msgids keep the template's newlines and indentation
    pad, end = "\n" + " " * 18, "\n" + " " * 16
    singular = pad + "This process can not be canceled while a task is still in progress." + end
    plural = pad + "This process can not be canceled while tasks are still in progress." + end
    for n in (1, 5):
        assert translation.ngettext(singular, plural, n).strip() == (
            "Không thể hủy quy trình này khi vẫn còn công việc đang được xử lý."
        )


def test_javascript_catalog():
    """viewflow.min.js calls window.gettext / window.pgettext (calendar, selection counter)."""
    catalog = DjangoTranslation("vi", domain="djangojs")
    assert catalog.gettext("January") == "Tháng 1"
    assert catalog.pgettext("three letter Monday", "Mon") == "T2"
    assert catalog.pgettext("one letter Sunday", "S") == "CN"
    assert catalog.gettext("%(sel)s of %(cnt)s selected") % {"sel": 2, "cnt": 5} == "Đã chọn 2/5"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_po_is_complete_and_compiled(domain):
    """Every entry is translated, keeps its placeholders, and the committed .mo matches the .po."""
    po = _parse_po(LC_MESSAGES / f"{domain}.po")
    assert po, "empty catalog"
    with open(LC_MESSAGES / f"{domain}.mo", "rb") as fp:
        mo = gettext_module.GNUTranslations(fp)
    assert mo.info()["language"] == "vi"
    assert mo.info()["plural-forms"] == "nplurals=1; plural=0;"

    for (ctx, msgid), entry in po.items():
        assert len(entry["msgstr"]) == 1, f"{msgid!r}: Vietnamese has one plural form, msgstr[0] only"
        msgstr = entry["msgstr"][0]
        assert msgstr.strip(), f"untranslated: {msgid!r}"
        source = msgid + (entry["plural"] or "")
        if entry["plural"]:
            assert _placeholders(msgstr) <= _placeholders(source), msgid
        else:
            assert _placeholders(msgstr) == _placeholders(msgid), msgid
        if ctx:
            compiled = mo.pgettext(ctx, msgid)
        elif entry["plural"]:
            compiled = mo.ngettext(msgid, entry["plural"], 1)
        else:
            compiled = mo.gettext(msgid)
        assert compiled == msgstr, f"{domain}.mo is stale for {msgid!r}: run msgfmt --check -o {domain}.mo {domain}.po"


@pytest.mark.parametrize(
    "package_po",
    [
        Path(viewflow.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po",
        Path(django_filters.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.po",
    ],
    ids=["viewflow", "django_filters"],
)
def test_covers_the_packages_msgids(package_po):
    """A msgid the installed viewflow / django-filter ship in their own catalog must be in ours too."""
    ours = _parse_po(LC_MESSAGES / "django.po")
    theirs = _parse_po(package_po)
    missing = sorted(msgid for (ctx, msgid) in theirs if (ctx, msgid) not in ours)
    assert not missing, f"translate these into locale/vi/LC_MESSAGES/django.po: {missing}"
