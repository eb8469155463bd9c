"""Indexes on viewflow's task table for the queue and the inbox (issue 7, docs/performance.md).

- `task_queue_perm_obj`: the queue (`workflow.selectors.task_queue_for_user`) matches
  `owner_permission = … AND owner_permission_obj_pk IN (the person's units)` among NEW tasks.
  Partial (NEW tasks only: 3% of the table in the national bench), so it stays small however
  many tasks are done.
- `task_owner_status`: the inbox (`task_inbox_for_user`), a person's ASSIGNED tasks; viewflow's
  own index on `owner_id` alone also walks every task the person ever finished.

Plain `CREATE INDEX` (PostgreSQL and SQLite both take partial indexes). On a large live
PostgreSQL table, create them beforehand with `CREATE INDEX CONCURRENTLY … ` under the same
names and this migration only has to be faked (`migrate workflow 0002 --fake`).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0001_initial"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX task_queue_perm_obj ON viewflow_task (owner_permission, owner_permission_obj_pk)"
                " WHERE status = 'NEW'"
            ),
            reverse_sql="DROP INDEX task_queue_perm_obj",
        ),
        migrations.RunSQL(
            sql="CREATE INDEX task_owner_status ON viewflow_task (owner_id, status)",
            reverse_sql="DROP INDEX task_owner_status",
        ),
    ]
