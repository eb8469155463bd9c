"""The words of reminders, new-task notices and event notices: in-app titles, e-mail subjects and bodies,
in Vietnamese.

Subjects name the plan's number (or its title while it has none) and the deadline
(issue 4, "Channels"). Bodies come from the templates under
`templates/notifications/email/` (plain text and HTML).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar
from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.models import Delivery, Plan, PlanEvent
from documents.selectors import owed_due_at, with_lateness
from notifications.calendar import END_OF_DAY, to_local
from notifications.models import DeadlineKind, Notification, Obligation, Reminder, Urge
from notifications.reminders import OPENED

ACTIONS = {
    DeadlineKind.APPROVE: gettext_lazy("duyệt kế hoạch"),
    DeadlineKind.REGISTER: gettext_lazy("vào sổ, phát hành kế hoạch"),
    DeadlineKind.ACKNOWLEDGE: gettext_lazy("xác nhận đã nhận kế hoạch"),
    DeadlineKind.REPORT: gettext_lazy("báo cáo kết quả thực hiện kế hoạch"),
    DeadlineKind.REVIEW: gettext_lazy("xem xét báo cáo kết quả"),
}
SHORT = {
    DeadlineKind.APPROVE: gettext_lazy("hạn duyệt"),
    DeadlineKind.REGISTER: gettext_lazy("hạn phát hành"),
    DeadlineKind.ACKNOWLEDGE: gettext_lazy("hạn tiếp nhận"),
    DeadlineKind.REPORT: gettext_lazy("hạn báo cáo"),
    DeadlineKind.REVIEW: gettext_lazy("hạn xem xét báo cáo"),
}

P = ParamSpec("P")
R = TypeVar("R")


def in_site_language(func: Callable[P, R]) -> Callable[P, R]:
    """Write the message in the site's language (`LANGUAGE_CODE`, Vietnamese), not the request's.

    A reminder is stored and sent for its recipient; the person whose request queued it (a
    leader urging a unit with the interface in English) must not change its language.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


def site_url(path: str) -> str:
    """An absolute link for e-mails and calendars (`settings.PLANFLOW_SITE_URL`, default the dev server)."""
    base = getattr(settings, "PLANFLOW_SITE_URL", "http://127.0.0.1:8000/")
    return urljoin(base if base.endswith("/") else base + "/", path.lstrip("/"))


def plan_label(plan: Plan) -> str:
    """ "Kế hoạch số 01/KH-MTTQ-BTT", or the title while the plan has no number yet."""
    if plan.number_symbol:
        return _("Kế hoạch số %(number)s") % {"number": plan.number_symbol}
    title = plan.title if len(plan.title) <= 80 else plan.title[:79] + "…"
    return _("Kế hoạch “%(title)s” (chưa có số)") % {"title": title}


def due_label(due_at: datetime | None) -> str:
    """ "hết ngày 20/12/2019" for a date-only deadline, "10:30 ngày 20/12/2019" for a timed one."""
    if due_at is None:
        return _("chưa có hạn")
    local = to_local(due_at)
    if local.time().replace(microsecond=0) == END_OF_DAY:
        return _("hết ngày %(date)s") % {"date": f"{local:%d/%m/%Y}"}
    return _("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def step_label(step: str, overdue_days: int) -> str:
    """How a step reads in a title: "việc mới", "còn 3 ngày làm việc đến hạn", "đến hạn", "đã quá hạn 2 ngày…"."""
    if step == OPENED:
        return _("việc mới")
    if step.startswith("before-"):
        return _("còn %(days)s ngày làm việc đến hạn") % {"days": step.removeprefix("before-")}
    if step == "due":
        return _("đến hạn")
    if overdue_days:
        return _("đã quá hạn %(days)s ngày làm việc") % {"days": overdue_days}
    return step


@dataclass(frozen=True)
class Message:
    """What one reminder says, in the app and by e-mail."""

    level: str
    title: str
    body: str
    url: str
    subject: str
    text: str
    html: str


def _plan_url(plan_id: int) -> str:
    """The plan page: its "Việc cần làm" list holds the task for whoever may act on it."""
    return reverse("plans:detail", args=[plan_id])


@in_site_language
def reminder_message(reminder: Reminder) -> Message:
    """The message of a reminder of an obligation step, of an urging, or of an event (a hand-back)."""
    if reminder.urge_id:
        return _urge_message(reminder, reminder.urge)
    if reminder.event_id:
        return _event_message(reminder, reminder.event)
    return _step_message(reminder, reminder.obligation)


def _step_message(reminder: Reminder, obligation: Obligation) -> Message:
    if reminder.step == OPENED:
        return _notice_message(reminder, obligation)
    plan = obligation.plan
    action = ACTIONS[obligation.kind]
    when = step_label(reminder.step, reminder.overdue_days)
    due = due_label(obligation.due_at)
    level = Notification.Level.WARN if reminder.overdue_days else Notification.Level.REMIND
    url = _plan_url(plan.pk)
    unit = obligation.unit.short_name or obligation.unit.name
    title = f"{plan_label(plan)}: {unit} – {action} – {when} ({due})"
    body = _("%(unit)s cần %(action)s; %(short)s %(due)s. Bạn nhận nhắc việc này vì là %(reason)s.") % {
        "unit": obligation.unit.name,
        "action": action,
        "short": SHORT[obligation.kind],
        "due": due,
        "reason": reminder.reason,
    }
    subject = f"[planflow] {plan_label(plan)} – {SHORT[obligation.kind]} {due} – {when} – {unit}"
    context = {
        "reminder": reminder,
        "plan": plan,
        "plan_label": plan_label(plan),
        "unit": obligation.unit,
        "action": action,
        "when": when,
        "due": due,
        "overdue": reminder.overdue_days,
        "reason": reminder.reason,
        "url": site_url(url),
        "person": reminder.recipient.get_full_name() or reminder.recipient.get_username(),
    }
    return Message(
        level=level,
        title=title[:300],
        body=body,
        url=url,
        subject=_one_line(subject),
        text=render_to_string("notifications/email/reminder.txt", context),
        html=render_to_string("notifications/email/reminder.html", context),
    )


def _notice_message(reminder: Reminder, obligation: Obligation) -> Message:
    """The new-task notice: "Việc mới: Kế hoạch số 01/KH-… – xác nhận đã nhận kế hoạch – hạn tiếp nhận …"."""
    plan = obligation.plan
    action = str(ACTIONS[obligation.kind])
    if obligation.kind == DeadlineKind.REVIEW and obligation.delivery_id:
        # The issuer reviews: say whose report arrived.
        sender = obligation.delivery.unit
        action = _("%(action)s của %(unit)s") % {"action": action, "unit": sender.short_name or sender.name}
    due = due_label(obligation.due_at)
    url = _plan_url(plan.pk)
    unit = obligation.unit.short_name or obligation.unit.name
    deadline = f"{SHORT[obligation.kind]} {due}" if obligation.due_at else due
    title = _("Việc mới: %(plan)s: %(unit)s – %(action)s (%(deadline)s)") % {
        "plan": plan_label(plan),
        "unit": unit,
        "action": action,
        "deadline": deadline,
    }
    body = _("%(unit)s có việc mới: %(action)s; %(deadline)s. Bạn nhận thông báo này vì là %(reason)s.") % {
        "unit": obligation.unit.name,
        "action": action,
        "deadline": deadline,
        "reason": reminder.reason,
    }
    subject = _("[planflow] Việc mới: %(plan)s – %(action)s – %(deadline)s – %(unit)s") % {
        "plan": plan_label(plan),
        "action": action,
        "deadline": deadline,
        "unit": unit,
    }
    context = {
        "reminder": reminder,
        "plan": plan,
        "plan_label": plan_label(plan),
        "unit": obligation.unit,
        "action": action,
        "due": due,
        "reason": reminder.reason,
        "url": site_url(url),
        "person": reminder.recipient.get_full_name() or reminder.recipient.get_username(),
    }
    return Message(
        level=Notification.Level.INFO,
        title=title[:300],
        body=body,
        url=url,
        subject=_one_line(subject),
        text=render_to_string("notifications/email/new_task.txt", context),
        html=render_to_string("notifications/email/new_task.html", context),
    )


def _urge_message(reminder: Reminder, urge: Urge) -> Message:
    plan = urge.plan
    level_word = urge.get_level_display()
    due = due_label(_urged_due(urge))
    title = f"{level_word}: {plan_label(plan)} – {urge.unit.name}"
    subject = f"[planflow] {level_word.upper()}: {plan_label(plan)} – {due}"
    url = _plan_url(plan.pk)
    context = {
        "reminder": reminder,
        "urge": urge,
        "plan": plan,
        "plan_label": plan_label(plan),
        "unit": urge.unit,
        "level_word": level_word,
        "message": urge.message,
        "actor": urge.actor.get_full_name() or urge.actor.get_username(),
        "due": due,
        "url": site_url(url),
        "person": reminder.recipient.get_full_name() or reminder.recipient.get_username(),
    }
    return Message(
        level=Notification.Level.WARN if urge.level == Urge.Level.WARN else Notification.Level.REMIND,
        title=title[:300],
        body=f"{urge.message}\n— {context['actor']}",
        url=url,
        subject=_one_line(subject),
        text=render_to_string("notifications/email/urge.txt", context),
        html=render_to_string("notifications/email/urge.html", context),
    )


Action = PlanEvent.Action

EVENT_TITLES = {
    Action.RETURN: gettext_lazy("Kế hoạch bị trả lại để sửa: %(plan)s"),
    Action.REJECT: gettext_lazy("Kế hoạch không được duyệt: %(plan)s"),
    Action.REFUSE: gettext_lazy("%(unit)s từ chối nhận %(plan)s"),
    Action.RETURN_REPORT: gettext_lazy("Báo cáo của %(unit)s bị trả lại: %(plan)s"),
    Action.WITHDRAW: gettext_lazy("Kế hoạch đã bị thu hồi: %(plan)s"),
}
"""The in-app title (and, after "[planflow] ", the e-mail subject) of an event notice."""
EVENT_SUMMARIES = {
    Action.RETURN: gettext_lazy("%(actor)s đã trả lại kế hoạch để bạn sửa rồi trình lại."),
    Action.REJECT: gettext_lazy("%(actor)s đã quyết định không duyệt kế hoạch; kế hoạch dừng tại đây."),
    Action.REFUSE: gettext_lazy(
        "%(unit)s từ chối nhận kế hoạch vì gửi nhầm nơi nhận. Văn thư đơn vị ban hành cần điều chỉnh nơi nhận."
    ),
    Action.RETURN_REPORT: gettext_lazy(
        "%(actor)s đã trả lại báo cáo của %(unit)s; đơn vị cần bổ sung rồi gửi lại báo cáo."
    ),
    Action.WITHDRAW: gettext_lazy("%(actor)s đã thu hồi kế hoạch; các đơn vị không thực hiện tiếp kế hoạch này."),
}
"""What happened and what it asks of the reader, in one or two sentences."""
EVENT_COMMENT_LABELS = {
    Action.RETURN: gettext_lazy("Ý kiến:"),
    Action.REJECT: gettext_lazy("Lý do:"),
    Action.REFUSE: gettext_lazy("Lý do:"),
    Action.RETURN_REPORT: gettext_lazy("Ý kiến:"),
    Action.WITHDRAW: gettext_lazy("Lý do:"),
}
EVENT_LEVELS = {
    Action.RETURN: Notification.Level.REMIND,
    Action.REJECT: Notification.Level.WARN,
    Action.REFUSE: Notification.Level.REMIND,
    Action.RETURN_REPORT: Notification.Level.REMIND,
    Action.WITHDRAW: Notification.Level.WARN,
}


def _event_message(reminder: Reminder, event: PlanEvent) -> Message:
    """An event notice: "Kế hoạch bị trả lại để sửa: …", with the leader's comment or the unit's reason.

    The unit named is the one that refused (refuse), whose report came back (return_report).
    """
    plan = event.plan
    action = event.action
    unit = event.delivery.unit if event.delivery_id else plan.issuer
    actor = (event.actor.get_full_name() or event.actor.get_username()) if event.actor_id else ""
    words = {"plan": plan_label(plan), "unit": unit.short_name or unit.name, "actor": actor}
    title = EVENT_TITLES[action] % words
    summary = EVENT_SUMMARIES[action] % {**words, "unit": unit.name}
    label = str(EVENT_COMMENT_LABELS[action])
    why = _("Bạn nhận thông báo này vì là %(reason)s.") % {"reason": reminder.reason}
    body = f"{summary} {label} {event.comment}" if event.comment else summary
    url = _plan_url(plan.pk)
    context = {
        "reminder": reminder,
        "event": event,
        "plan": plan,
        "plan_label": plan_label(plan),
        "title": title,
        "summary": summary,
        "comment_label": label,
        "comment": event.comment,
        "when": f"{to_local(event.created_at):%H:%M %d/%m/%Y}",
        "reason": reminder.reason,
        "url": site_url(url),
        "person": reminder.recipient.get_full_name() or reminder.recipient.get_username(),
    }
    return Message(
        level=EVENT_LEVELS[action],
        title=title[:300],
        body=f"{body} {why}",
        url=url,
        subject=_one_line(f"[planflow] {title}"),
        text=render_to_string("notifications/email/event.txt", context),
        html=render_to_string("notifications/email/event.html", context),
    )


def _urged_due(urge: Urge) -> datetime | None:
    """The due time the urging is about: the one the unit was late for when urged, else the next it owed."""
    delivery = with_lateness(Delivery.objects.filter(pk=urge.delivery_id), now=urge.created_at).first()
    return owed_due_at(delivery) if delivery is not None else None


@in_site_language
def digest_message(person, reminders: list[Reminder], day) -> tuple[str, str, str]:
    """(subject, text, html) of one person's daily digest."""
    items = []
    for reminder in reminders:
        message = reminder_message(reminder)
        items.append({"title": message.title, "body": message.body, "url": site_url(message.url)})
    subject = _("[planflow] Tổng hợp nhắc việc ngày %(day)s: %(count)s việc") % {
        "day": f"{day:%d/%m/%Y}",
        "count": len(items),
    }
    context = {"items": items, "day": day, "person": person.get_full_name() or person.get_username()}
    return (
        subject,
        render_to_string("notifications/email/digest.txt", context),
        render_to_string("notifications/email/digest.html", context),
    )


def message_id(kind: str, key: str) -> str:
    """A Message-ID fixed by the row it belongs to, so a resent e-mail is recognisably the same one."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "planflow.local"
    return f"<planflow.{kind}.{key}@{domain}>"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]
