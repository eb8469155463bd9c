"""Celery entry points of planflow (beat and workers)."""

from celery import shared_task
from viewflow.workflow.timers import fire_due_timers


@shared_task(name="notifications.tasks.sweep_deadlines_task", ignore_result=True)
def sweep_deadlines_task() -> int:
    """Fire viewflow's due timers (open-source viewflow has no beat task of its own).

    Returns the number of timers fired. Runs every minute from beat.
    """
    return fire_due_timers()
