"""viewflow's process and task admin, made read-only: states change only through the flow."""

from django.contrib import admin
from viewflow.workflow.admin import ProcessAdmin, TaskAdmin
from viewflow.workflow.models import Process, Task

from documents.admin import ReadOnlyAdmin


class ReadOnlyProcessAdmin(ReadOnlyAdmin, ProcessAdmin):
    pass


class ReadOnlyTaskAdmin(ReadOnlyAdmin, TaskAdmin):
    pass


for model, model_admin in ((Process, ReadOnlyProcessAdmin), (Task, ReadOnlyTaskAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
