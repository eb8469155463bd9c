"""Start the sweep's reading of the audit trail at its head: the hand-backs of the past tell nobody.

The event notices (`services.sweep.event_notices_write`) read `PlanEvent` rows above the
cursor "events", from the start when the row is missing; without this row every return,
refusal and withdrawal ever recorded would be announced by the first sweep after the upgrade.
A database without events (a new installation) gets no row: there is nothing to skip, and the
sweep writes the row with the first event it reads. Reversible: going back deletes the row.
"""

from django.db import migrations
from django.db.models import Max


def cursor_at_head(apps, schema_editor) -> None:
    PlanEvent = apps.get_model("documents", "PlanEvent")
    SweepCursor = apps.get_model("notifications", "SweepCursor")
    head = PlanEvent.objects.aggregate(head=Max("sequence"))["head"]
    if head:
        SweepCursor.objects.get_or_create(name="events", defaults={"last_id": head})


def cursor_drop(apps, schema_editor) -> None:
    apps.get_model("notifications", "SweepCursor").objects.filter(name="events").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_audit_chain"),
        ("notifications", "0004_reminder_event"),
    ]

    operations = [migrations.RunPython(cursor_at_head, cursor_drop)]
