"""The viewflow process of a plan: one process per plan, linked by a real foreign key."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class PlanProcess(Process):
    """The run of `PlanFlow` for one plan; plan data stays on `documents.Plan`."""

    plan = models.OneToOneField(
        "documents.Plan",
        verbose_name=_("kế hoạch"),
        on_delete=models.CASCADE,
        related_name="process",
    )

    class Meta:
        verbose_name = _("quy trình kế hoạch")
        verbose_name_plural = _("quy trình kế hoạch")

    def __str__(self) -> str:
        return str(self.plan)


class Decision(models.TextChoices):
    """What a leader decides on a submitted plan."""

    APPROVE = "approve", _("Duyệt")
    RETURN = "return", _("Trả lại để sửa")
    REJECT = "reject", _("Không duyệt")
