"""Admin site for the directory; plans and their history are read-only here.

States, numbers, deliveries, reports and audit records change only through the
services (and so through the flow): the admin can look, not edit.
"""

from django.contrib import admin

from documents.models import (
    Delivery,
    Membership,
    OutgoingRegister,
    Plan,
    PlanAttachment,
    PlanEvent,
    PlanTask,
    PlanVersion,
    Recipient,
    Report,
    Unit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: no add, change or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "area_kind", "body", "province", "is_active"]
    list_filter = ["level", "body", "area_kind", "province", "is_active"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "title"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "issuer", "state", "number_symbol", "issue_date", "created_at"]
    list_filter = ["state", "doc_type", "issuer"]
    search_fields = ["title", "number_symbol"]


@admin.register(PlanEvent)
class PlanEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "plan", "action", "actor", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["plan__title", "plan__number_symbol", "comment"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["plan", "unit", "state", "requires_report", "sent_at", "acknowledged_at"]
    list_filter = ["state"]


for model in (OutgoingRegister, PlanVersion, PlanTask, PlanAttachment, Recipient, Report):
    admin.site.register(model, ReadOnlyAdmin)
