"""Thin views of notifications: each reads through selectors and writes through one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from documents import selectors as document_selectors
from documents.errors import DomainError, NotAllowedError
from documents.models import Plan
from notifications import forms, ical, selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, 50 a page."""
    page = Paginator(selectors.notifications_for_user(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read; with `open`, go on to what it is about."""
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    if request.POST.get("open") and notification.url and url_has_allowed_host_and_scheme(notification.url, None):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("Đã đánh dấu %(count)d thông báo là đã đọc.", "Đã đánh dấu %(count)d thông báo là đã đọc.", count)
        % {"count": count},
    )
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """E-mail choice (immediate, daily digest, off) and the calendar address."""
    preference = selectors.preference_for(user=request.user)
    if request.method == "POST":
        form = forms.PreferenceForm(request.POST)
        if form.is_valid():
            services.preference_update(user=request.user, email_mode=form.cleaned_data["email_mode"])
            messages.success(request, _("Đã lưu cách nhận thư."))
            return redirect("notifications:preferences")
    else:
        form = forms.PreferenceForm(initial={"email_mode": preference.email_mode})
    feed_url = (
        request.build_absolute_uri(reverse("notifications:calendar_feed", args=[preference.ical_token]))
        if preference.ical_token
        else ""
    )
    return render(
        request, "notifications/preferences.html", {"form": form, "preference": preference, "feed_url": feed_url}
    )


@login_required
@require_POST
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    services.ical_token_regenerate(user=request.user)
    messages.success(request, _("Đã tạo địa chỉ lịch mới; địa chỉ cũ (nếu có) không dùng được nữa."))
    return redirect("notifications:preferences")


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.ical_token_revoke(user=request.user)
    messages.success(request, _("Đã tắt địa chỉ lịch."))
    return redirect("notifications:preferences")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's deadlines as iCalendar; the secret token is the only key (calendar apps log in no other way)."""
    user, obligations = selectors.calendar_obligations_for_token(token=token)
    name = _("planflow – hạn xử lý của %(person)s") % {"person": user.get_full_name() or user.get_username()}
    text = ical.calendar_text(obligations, name=name, stamp=timezone.now(), domain=request.get_host().split(":")[0])
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def lateness(request: HttpRequest) -> HttpResponse:
    """Recipient units of the person's units' plans, most late first, with how often each was urged."""
    plan = None
    if request.GET.get("plan"):
        try:
            plan = document_selectors.plan_get_for_user(user=request.user, plan_id=int(request.GET["plan"]))
        except ValueError:
            raise Http404(_("Không tìm thấy kế hoạch.")) from None
        if not document_selectors.user_is_issuer_member(user=request.user, plan=plan):
            raise Http404(_("Không tìm thấy kế hoạch."))
    rows = selectors.lateness_report(user=request.user, plan=plan)
    return render(request, "notifications/lateness.html", {"rows": rows, "plan": plan})


@login_required
def plan_urge(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A leader of the issuing unit urges a unit (nhắc nhở or cảnh báo) with a message."""
    plan = document_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if not services.may_urge(user=request.user, plan=plan):
        raise PermissionDenied(_("Chỉ lãnh đạo đơn vị ban hành mới đôn đốc được."))
    deliveries = selectors.urgeable_deliveries(plan=plan)
    form = forms.UrgeForm(
        request.POST or None, deliveries=deliveries, initial={"delivery": request.GET.get("delivery")}
    )
    if request.method == "POST" and form.is_valid():
        delivery = next(d for d in deliveries if d.pk == form.cleaned_data["delivery"])
        try:
            services.plan_urge(
                plan=plan,
                delivery=delivery,
                actor=request.user,
                level=form.cleaned_data["level"],
                message=form.cleaned_data["message"],
            )
        except NotAllowedError as error:
            raise PermissionDenied(str(error)) from error
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Đã đôn đốc %(unit)s.") % {"unit": delivery.unit.name})
            return redirect("plans:detail", plan.pk)
    context = {"plan": plan, "form": form, "urges": selectors.urges_of_plan(plan=plan), "deliveries": deliveries}
    return render(request, "notifications/urge.html", context)


@login_required
def plan_deadlines(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The drafter sets the plan's own deadlines and reminders, over the defaults."""
    plan = document_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if plan.drafter_id != request.user.pk or plan.state not in Plan.EDITABLE_STATES:
        raise PermissionDenied(_("Chỉ người soạn sửa được thời hạn, khi kế hoạch đang soạn hoặc bị trả lại."))
    merged = selectors.plan_deadlines_of(plan)
    form = forms.DeadlinesForm(request.POST or None, initial=forms.DeadlinesForm.initial_from(merged))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_deadlines_update(plan=plan, actor=request.user, overrides=form.overrides())
        except NotAllowedError as error:
            raise PermissionDenied(str(error)) from error
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Đã lưu thời hạn riêng của kế hoạch."))
            return redirect("plans:detail", plan.pk)
    return render(request, "notifications/deadlines.html", {"plan": plan, "form": form})
