"""`manage.py walkthrough` runs the whole story on a fresh database and prints its timeline."""

import io

import pytest
from django.core.management import call_command

from documents.models import Plan


@pytest.mark.django_db
def test_walkthrough_exits_zero_on_a_fresh_database():
    out = io.StringIO()

    call_command("walkthrough", stdout=out)

    text = out.getvalue()
    assert "Hoàn thành: mọi bước đều thành công." in text
    assert "01/KH-MTTQ-BTT" in text
    assert dict(Plan.objects.values_list("number_symbol", "state")) == {
        "01/KH-MTTQ-BTT": Plan.State.COMPLETED,
        "02/KH-MTTQ-BTT": Plan.State.WITHDRAWN,
    }


@pytest.mark.django_db
def test_walkthrough_fails_with_a_clear_message_when_the_file_is_missing(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        call_command("walkthrough", file=str(tmp_path / "missing.txt"), stdout=io.StringIO())


@pytest.mark.django_db
def test_import_plan_command_creates_a_draft_of_the_drafters_unit(demo):
    from tests.conftest import SEED

    out = io.StringIO()

    call_command("import_plan", str(SEED), "--as", "chuyenvien", stdout=out)

    plan = Plan.objects.get()
    assert (plan.state, plan.issuer.code, plan.drafter.username) == ("draft", "mttq-tinh-hai-duong", "chuyenvien")
    assert "Thực hiện nhiệm vụ bảo vệ môi trường năm 2019" in out.getvalue()
    assert "Ban Thường trực Ủy ban MTTQ huyện Tứ Kỳ" in out.getvalue()


@pytest.mark.django_db
def test_import_plan_command_refuses_a_user_who_drafts_for_no_unit(demo):
    from django.core.management.base import CommandError

    from tests.conftest import SEED

    with pytest.raises(CommandError, match="--issuer"):
        call_command("import_plan", str(SEED), "--as", "cb-gia-loc", stdout=io.StringIO())
    assert not Plan.objects.exists()
