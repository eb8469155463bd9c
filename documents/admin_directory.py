"""The admin page that loads the directory from CSV: upload, preview (a dry run), then confirm.

The files are checked and applied by `documents.directory`; this page only carries them from the
preview to the confirmation (in the session, so the clerk does not upload them twice).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.directory import MAX_FILE_BYTES, directory_import, set_password_links, summary_lines

SESSION_KEY = "planflow_directory_import"

# Loading the directory creates accounts and grants roles (object permissions): all of these.
REQUIRED_PERMISSIONS = (
    "documents.add_unit",
    "documents.change_unit",
    "documents.add_membership",
    "auth.add_user",
    "auth.change_user",
)


class DirectoryUploadForm(forms.Form):
    """The two CSV files; at least one is needed."""

    units = forms.FileField(label=gettext_lazy("Tệp đơn vị (.csv)"), required=False)
    people = forms.FileField(label=gettext_lazy("Tệp người dùng và vai trò (.csv)"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("units") and not data.get("people"):
            raise forms.ValidationError(_("Hãy chọn ít nhất một tệp."))
        for name in ("units", "people"):
            upload = data.get(name)
            if upload and upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(_("Tệp %(name)s quá lớn.") % {"name": upload.name})
        return data


def _encode(upload) -> str | None:
    return base64.b64encode(upload.read()).decode("ascii") if upload else None


def _decode(value: str | None) -> bytes | None:
    return base64.b64decode(value) if value is not None else None


def directory_import_view(model_admin: admin.ModelAdmin) -> Callable[[HttpRequest], HttpResponse]:
    """The view of `UnitAdmin`'s "import/" URL, for staff holding every permission in REQUIRED_PERMISSIONS."""

    def view(request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(REQUIRED_PERMISSIONS):
            raise PermissionDenied(_("Chỉ quản trị danh mục mới nạp được danh mục từ tệp."))
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("Nạp danh mục từ tệp CSV"),
            "form": DirectoryUploadForm(),
        }
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return _confirm(request, context)
        if request.method == "POST":
            form = DirectoryUploadForm(request.POST, request.FILES)
            context["form"] = form
            if form.is_valid():
                stored = {"units": _encode(form.cleaned_data["units"]), "people": _encode(form.cleaned_data["people"])}
                result = directory_import(
                    units_data=_decode(stored["units"]),
                    people_data=_decode(stored["people"]),
                    actor=request.user,
                    dry_run=True,
                )
                context["result"] = result
                context["summary"] = summary_lines(result)
                if result.ok:
                    token = secrets.token_urlsafe(16)
                    request.session[SESSION_KEY] = {"token": token, **stored}
                    context["token"] = token
        return TemplateResponse(request, "admin/documents/unit/directory_import.html", context)

    return view


def _confirm(request: HttpRequest, context: dict) -> HttpResponse:
    stored = request.session.get(SESSION_KEY)
    if not stored or not secrets.compare_digest(stored["token"], request.POST.get("token", "")):
        messages.error(request, _("Phiên kiểm tra đã hết; hãy chọn lại tệp và kiểm tra lại."))
        return redirect("admin:documents_unit_import")
    result = directory_import(
        units_data=_decode(stored["units"]), people_data=_decode(stored["people"]), actor=request.user
    )
    del request.session[SESSION_KEY]
    context.update({"result": result, "summary": summary_lines(result), "applied": result.ok})
    if result.ok:
        messages.success(request, _("Đã nạp danh mục."))
        context["links"] = set_password_links(usernames=result.new_users, site_url=settings.PLANFLOW_SITE_URL)
    return TemplateResponse(request, "admin/documents/unit/directory_import.html", context)
