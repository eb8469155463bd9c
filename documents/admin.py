"""Admin site for the directory; plans and their history are read-only here.

States, numbers, deliveries, reports and audit records change only through the
services (and so through the flow): the admin can look, not edit.
"""

from django.contrib import admin

from documents.models import (
    Delivery,
    Deputyship,
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

    def get_urls(self):
        from django.urls import path

        from documents.admin_directory import directory_import_view

        view = self.admin_site.admin_view(directory_import_view(self))
        return [path("import/", view, name="documents_unit_import"), *super().get_urls()]


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


@admin.register(Deputyship)
class DeputyshipAdmin(ReadOnlyAdmin):
    """Deputies of leaders, read-only: they are named and revoked by the leader on the deputies page
    (`documents.services.deputyship_create`/`deputyship_revoke`), which checks the rules and audits."""

    list_display = ["unit", "leader", "deputy", "starts_on", "ends_on", "reason", "created_at", "revoked_at"]
    list_filter = ["unit__level", "starts_on", "revoked_at"]
    search_fields = ["unit__name", "leader__username", "leader__first_name", "deputy__username", "deputy__first_name"]
    list_select_related = ["unit", "leader", "deputy"]
    date_hierarchy = "starts_on"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["plan", "unit", "state", "requires_report", "sent_at", "acknowledged_at"]
    list_filter = ["state"]


for model in (OutgoingRegister, PlanVersion, PlanTask, PlanAttachment, Recipient, Report):
    admin.site.register(model, ReadOnlyAdmin)
