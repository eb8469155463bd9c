"""The audit trail: one chained record per change, with address; tampering is named by audit_verify."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from documents import services
from documents.audit import verify_chain
from documents.models import AuditHead, Membership, PlanEvent

pytestmark = pytest.mark.django_db


def test_every_record_is_linked_to_the_one_before(seed_plan, advance):
    advance(seed_plan, through="dispatch")

    events = list(PlanEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert AuditHead.objects.get().last_hash == events[-1].hash
    assert verify_chain() == (len(events), None)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert f"nguyên vẹn: {len(events)} bản ghi" in out.getvalue()


def test_role_changes_are_in_the_chain_too(demo, user_of):
    membership = Membership.objects.get(user__username="cb-gia-loc", role="officer")

    services.membership_revoke(membership=membership, actor=user_of("lanhdao"))

    last = PlanEvent.objects.order_by("-sequence").first()
    assert (last.action, last.plan, last.unit.code, last.data) == (
        "role_revoke",
        None,
        "mttq-gia-loc",
        {"user": "cb-gia-loc", "role": "officer"},
    )
    assert not user_of("cb-gia-loc").has_perm("documents.receive_for_unit", membership.unit)


@pytest.mark.parametrize("tamper", ["edit_comment", "delete_middle", "cut_tail"])
def test_audit_verify_names_the_first_broken_record(seed_plan, advance, tamper):
    advance(seed_plan, through="register")
    events = list(PlanEvent.objects.order_by("sequence"))
    target = events[-3]

    if tamper == "edit_comment":
        PlanEvent.objects.filter(pk=target.pk).update(comment="đã sửa lén")
        expected = f"bản ghi số {target.sequence} (id {target.pk})"
    elif tamper == "delete_middle":
        PlanEvent.objects.filter(pk=target.pk).delete()
        expected = f"bản ghi số {target.sequence + 1}"
    else:
        PlanEvent.objects.filter(sequence__gte=target.sequence).delete()
        expected = f"bản ghi số {events[-1].sequence}"

    with pytest.raises(CommandError) as error:
        call_command("audit_verify", stdout=io.StringIO())
    assert expected in str(error.value)


def test_records_keep_the_client_address_and_the_csv_export_lists_them(client_of, seed_plan, advance):
    client = client_of("chuyenvien")
    task_url = client.post(reverse("plans:task", args=[seed_plan.process.task_set.get(flow_task_type="HUMAN").pk]))
    client.post(task_url["Location"], {"comment": "Trình"}, REMOTE_ADDR="10.1.2.3")

    submitted = seed_plan.events.get(action="submit")
    assert submitted.client_address == "10.1.2.3"

    response = client_of("lanhdao").get(reverse("plans:audit_csv", args=[seed_plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Số", "Thời gian", "Người thực hiện", "Thay mặt", "Việc"]
    assert [r[4] for r in rows[1:]] == ["Tạo dự thảo", "Trình duyệt"]
    assert rows[2][9] == "10.1.2.3" and rows[2][10] == submitted.hash
    assert client_of("cb-gia-loc").get(reverse("plans:audit_csv", args=[seed_plan.pk])).status_code == 404


def test_a_flushed_database_starts_a_new_chain(demo, user_of):
    # given: what `manage.py flush` leaves (no records, and no chain head either)
    PlanEvent.objects.all().delete()
    AuditHead.objects.all().delete()

    # when: an audited change happens
    membership = Membership.objects.get(user__username="cb-gia-loc", role="officer")
    services.membership_revoke(membership=membership, actor=user_of("lanhdao"))

    # then: it is record number 1 of a valid chain
    assert list(PlanEvent.objects.values_list("sequence", "action")) == [(1, "role_revoke")]
    assert verify_chain() == (1, None)
