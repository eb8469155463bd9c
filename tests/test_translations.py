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
    # (viewflow's own dashboard, "Tổng quan", is for flow managers only: not in everyone's menu)
    for text in ("Việc của tôi", "Việc chờ nhận", "Đã xử lý", "Thông báo", "Công việc", "Ngày tạo", "Đăng xuất"):
        assert text in html, text
    for english in (*ENGLISH_MENU, "Log in", ">Task<", "Created"):
        assert english not in html, english


def test_the_archive_is_vietnamese(client_of, seed_plan, advance):
    # given a drafter who has submitted a plan: their finished task is in the archive
    advance(seed_plan, through="submit")

    response = client_of("chuyenvien").get(reverse("plan:archive"))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Đã xử lý", "Tóm tắt", "Tóm tắt quy trình", seed_plan.title[:30]):
        assert text in html, text
    for english in ("Process summary", "Process brief", ">Brief<", "Archive"):
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


# --------------------------------------------------------------------------- English (locale/en)
# planflow's own texts are written in Vietnamese (the msgid is the Vietnamese text); the English
# catalog gives the English a person sees after choosing it (config.middleware).

EN_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
OUR_APPS = ("config", "documents", "workflow", "notifications")
GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _python_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every gettext call with literal arguments in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in GETTEXT_CALLS:
            continue
        ctx_at, id_at, _plural_at = GETTEXT_CALLS[name]
        args = node.args
        if len(args) <= id_at or not (isinstance(args[id_at], ast.Constant) and isinstance(args[id_at].value, str)):
            continue
        ctx = args[ctx_at].value if ctx_at is not None and isinstance(args[ctx_at], ast.Constant) else None
        found.add((ctx, args[id_at].value))
    return found


_TEMPLATE_CALL = re.compile(r"\b(n?p?gettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)")


def _template_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of {% translate %} and {% blocktranslate %}, as makemessages reads them.

    Django's own `templatize` turns the template into the gettext calls that xgettext would
    read, so this needs no GNU gettext.
    """
    from django.utils.translation.template import templatize

    found = set()
    for name, literals in _TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
        values = [ast.literal_eval(literal) for literal in re.findall(r"u('(?:[^'\\]|\\.)*')", literals)]
        found.add((values[0], values[1]) if name.startswith(("pgettext", "npgettext")) else (None, values[0]))
    return found


def _our_msgids() -> dict[tuple[str | None, str], str]:
    """Every msgid planflow's code and templates use -> the first file that uses it."""
    base = Path(settings.BASE_DIR)
    used: dict[tuple[str | None, str], str] = {}
    for app in OUR_APPS:
        for path in sorted((base / app).rglob("*")):
            relative = str(path.relative_to(base))
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py":
                ids = _python_msgids(path)
            elif "templates" in path.parts and path.suffix in (".html", ".txt"):
                ids = _template_msgids(path)
            else:
                continue
            for key in ids:
                used.setdefault(key, relative)
    return used


def test_english_catalog_is_complete_and_compiled():
    """Every entry of locale/en has an English text with the same placeholders; the .mo matches the .po."""
    po = _parse_po(EN_MESSAGES / "django.po")
    assert len(po) > 500, "the English catalog lost its entries"
    with open(EN_MESSAGES / "django.mo", "rb") as fp:
        mo = gettext_module.GNUTranslations(fp)
    assert mo.info()["language"] == "en"
    assert mo.info()["plural-forms"] == "nplurals=2; plural=(n != 1);"

    def simple(text: str) -> set[str]:
        # template-variable msgids ({{ process.plan.title }}) are compared by their %-placeholders only
        return set(re.findall(r"%\([^)]+\)[sd]|%[sd]|\{\w+\}", text))

    for (ctx, msgid), entry in po.items():
        msgstrs = entry["msgstr"]
        assert all(s.strip() for s in msgstrs), f"untranslated: {msgid!r}"
        if entry["plural"]:
            assert len(msgstrs) == 2, f"{msgid!r}: English has two plural forms"
            assert simple(msgstrs[1]) == simple(entry["plural"]), msgid
            compiled = [mo.ngettext(msgid, entry["plural"], n) for n in (1, 2)]
            if ctx:
                compiled = [mo.npgettext(ctx, msgid, entry["plural"], n) for n in (1, 2)]
            assert compiled == msgstrs, f"django.mo is stale for {msgid!r}"
            continue
        assert simple(msgstrs[0]) == simple(msgid), msgid
        compiled = mo.pgettext(ctx, msgid) if ctx else mo.gettext(msgid)
        assert compiled == msgstrs[0], (
            f"django.mo is stale for {msgid!r}: run msgfmt --check -o locale/en/LC_MESSAGES/django.mo "
            "locale/en/LC_MESSAGES/django.po"
        )


def test_every_text_of_our_code_has_an_english_translation():
    """A text wrapped for translation in our code or templates but missing from locale/en stays Vietnamese
    for English readers: run makemessages -l en (see the catalog's header) and translate it."""
    po = _parse_po(EN_MESSAGES / "django.po")
    used = _our_msgids()
    assert len(used) > 500, "the extraction found too few texts"
    missing = sorted(f"{where}: {msgid!r}" for (ctx, msgid), where in used.items() if (ctx, msgid) not in po)
    assert not missing, "add to locale/en/LC_MESSAGES/django.po:\n" + "\n".join(missing)


def test_extraction_reads_blocktranslate_as_makemessages_does():
    used = _our_msgids()
    assert (None, "Lãnh đạo trả lại (%(at)s, %(who)s):") in used  # blocktranslate with variables
    assert (None, "%(n)s kế hoạch") in used  # the singular of a {% plural %}
    assert ("button", "Lưu") in used  # a context
    assert (None, "mã đơn vị") in used  # gettext_lazy in a model


@pytest.mark.parametrize(
    ("msgid", "english"),
    [
        ("Nhập kế hoạch", "Import a plan"),
        ("Bạn không có quyền xử lý việc này.", "You may not act on this task."),
        ("Đang thực hiện", "In execution"),
    ],
)
def test_english_gettext(msgid, english):
    with translation.override("en"):
        assert translation.gettext(msgid) == english
    with translation.override("vi"):
        assert translation.gettext(msgid) == msgid
