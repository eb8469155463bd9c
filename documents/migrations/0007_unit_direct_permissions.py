"""Guardian's direct-foreign-key permission tables for units, and deputies of leaders.

- `UnitUserObjectPermission` / `UnitGroupObjectPermission`: guardian uses them for every
  `Unit` from now on; the rows guardian's generic tables held for units are moved into them
  (`move_to_direct`) and deleted there. Reversible (`move_to_generic`).
- `Deputyship`: a leader on leave names a deputy for a range of dates (issue 6).
- Two new audit actions (naming and revoking a deputy).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def _unit_content_type(apps):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.filter(app_label="documents", model="unit").first()


def _move(source, target, *, to_target, batch: int = BATCH) -> int:
    """Copy `source` rows to `target` (converted by `to_target`), then delete them from `source`."""
    moved = 0
    while True:
        rows = list(source.order_by("pk")[:batch])
        if not rows:
            return moved
        converted = [row for row in map(to_target, rows) if row is not None]
        target.model.objects.bulk_create(converted, ignore_conflicts=True)
        source.model.objects.filter(pk__in=[row.pk for row in rows]).delete()
        moved += len(converted)


def move_to_direct(apps, schema_editor) -> None:
    """Move guardian's generic rows for `documents.Unit` (users and groups) into the direct tables.

    A generic row whose unit no longer exists (generic rows are not deleted with their object)
    is dropped. Runs in batches of `BATCH` rows, so that a large directory does not sit in memory.
    """
    content_type = _unit_content_type(apps)
    if content_type is None:  # a new database: no unit permission was ever granted
        return
    unit_ids = set(apps.get_model("documents", "Unit").objects.values_list("pk", flat=True))
    for generic_name, direct_name, owner in (
        ("UserObjectPermission", "UnitUserObjectPermission", "user_id"),
        ("GroupObjectPermission", "UnitGroupObjectPermission", "group_id"),
    ):
        generic = apps.get_model("guardian", generic_name)
        direct = apps.get_model("documents", direct_name)

        def to_direct(row, direct=direct, owner=owner):
            try:
                unit_id = int(row.object_pk)
            except ValueError:
                return None
            if unit_id not in unit_ids:
                return None
            return direct(**{owner: getattr(row, owner)}, permission_id=row.permission_id, content_object_id=unit_id)

        _move(generic.objects.filter(content_type=content_type), direct.objects.all(), to_target=to_direct)


def move_to_generic(apps, schema_editor) -> None:
    """Put the direct rows back into guardian's generic tables (the reverse of `move_to_direct`)."""
    content_type = _unit_content_type(apps)
    if content_type is None:
        return
    for generic_name, direct_name, owner in (
        ("UserObjectPermission", "UnitUserObjectPermission", "user_id"),
        ("GroupObjectPermission", "UnitGroupObjectPermission", "group_id"),
    ):
        generic = apps.get_model("guardian", generic_name)
        direct = apps.get_model("documents", direct_name)

        def to_generic(row, generic=generic, owner=owner):
            return generic(
                **{owner: getattr(row, owner)},
                permission_id=row.permission_id,
                content_type_id=content_type.pk,
                object_pk=str(row.content_object_id),
            )

        _move(direct.objects.all(), generic.objects.all(), to_target=to_generic)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("documents", "0006_scale_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UnitUserObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="user_object_permissions",
                        to="documents.unit",
                    ),
                ),
                (
                    "permission",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission"),
                ),
                (
                    "user",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
                ),
            ],
            options={
                "verbose_name": "quyền của người trên đơn vị",
                "verbose_name_plural": "quyền của người trên đơn vị",
                "abstract": False,
                "unique_together": {("user", "permission", "content_object")},
            },
        ),
        migrations.CreateModel(
            name="UnitGroupObjectPermission",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "content_object",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="group_object_permissions",
                        to="documents.unit",
                    ),
                ),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.group")),
                (
                    "permission",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.permission"),
                ),
            ],
            options={
                "verbose_name": "quyền của nhóm trên đơn vị",
                "verbose_name_plural": "quyền của nhóm trên đơn vị",
                "abstract": False,
                "unique_together": {("group", "permission", "content_object")},
            },
        ),
        migrations.RunPython(move_to_direct, move_to_generic, elidable=False),
        migrations.CreateModel(
            name="Deputyship",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_on", models.DateField(verbose_name="từ ngày")),
                ("ends_on", models.DateField(verbose_name="đến hết ngày")),
                ("reason", models.CharField(max_length=255, verbose_name="lý do")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="ngày giao")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="thu hồi lúc")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người giao",
                    ),
                ),
                (
                    "deputy",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người được giao thay",
                    ),
                ),
                (
                    "leader",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="lãnh đạo vắng mặt",
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người thu hồi",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deputyships",
                        to="documents.unit",
                        verbose_name="đơn vị",
                    ),
                ),
            ],
            options={
                "verbose_name": "giao người thay lãnh đạo",
                "verbose_name_plural": "giao người thay lãnh đạo",
                "ordering": ["unit", "starts_on", "id"],
                "indexes": [
                    models.Index(fields=["deputy", "ends_on"], name="deputyship_deputy_end"),
                    models.Index(fields=["unit", "leader", "ends_on"], name="deputyship_unit_leader_end"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_on__gte", models.F("starts_on"))), name="deputyship_range_ordered"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("deputy", models.F("leader")), _negated=True), name="deputyship_not_self"
                    ),
                ],
            },
        ),
        migrations.AlterField(
            model_name="planevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Tạo dự thảo"),
                    ("edit", "Sửa dự thảo"),
                    ("submit", "Trình duyệt"),
                    ("return", "Trả lại"),
                    ("approve", "Duyệt"),
                    ("reject", "Không duyệt"),
                    ("register", "Vào sổ, cấp số"),
                    ("dispatch", "Phát hành"),
                    ("acknowledge", "Tiếp nhận"),
                    ("refuse", "Từ chối nhận"),
                    ("recipient_add", "Bổ sung nơi nhận"),
                    ("recipient_remove", "Bỏ nơi nhận"),
                    ("report", "Gửi báo cáo"),
                    ("accept_report", "Chấp nhận báo cáo"),
                    ("return_report", "Trả lại báo cáo"),
                    ("complete", "Hoàn thành"),
                    ("withdraw", "Thu hồi"),
                    ("role_grant", "Giao vai trò"),
                    ("role_revoke", "Thu hồi vai trò"),
                    ("deputy_name", "Giao người thay lãnh đạo"),
                    ("deputy_revoke", "Thu hồi việc giao thay"),
                ],
                max_length=24,
            ),
        ),
    ]
