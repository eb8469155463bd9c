"""Loading the directory from CSV: every row checked, every error reported, all or nothing, idempotent."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from guardian.shortcuts import get_perms

from documents.directory import count_rows, directory_import, directory_parse
from documents.models import Membership, PlanEvent, Unit

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "directory"

UNITS_HEADER = "mã,tên,đơn vị cha,cấp,loại cơ quan,loại địa bàn,tỉnh\n"
PEOPLE_HEADER = "tên đăng nhập,họ và tên,email,đơn vị,vai trò,chức vụ\n"


def csv_bytes(text: str, *, bom: bool = False, sep: str = ",") -> bytes:
    if sep != ",":
        text = text.replace(",", sep)
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def snapshot() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "events": PlanEvent.objects.count(),
    }


def test_sample_files_build_a_small_province():
    # given: the sample files of docs/directory (a commune listed before its district)
    units, people = (SAMPLES / "units.csv").read_bytes(), (SAMPLES / "people.csv").read_bytes()

    # when
    result = directory_import(units_data=units, people_data=people)

    # then
    assert result.errors == []
    assert count_rows(result) == {
        "units_created": 9,
        "units_updated": 0,
        "units_unchanged": 0,
        "people_created": 10,
        "people_updated": 0,
        "people_unchanged": 0,
        "roles_created": 11,
        "roles_updated": 0,
        "roles_unchanged": 0,
    }
    commune = Unit.objects.select_related("parent__parent").get(code="mttq-xa-lac-hong")
    assert commune.parent.code == "mttq-van-lam"
    assert commune.parent.parent.code == "mttq-tinh-hung-yen"
    assert (commune.level, commune.body, commune.area_kind) == ("commune", "mttq", "xa")
    department = Unit.objects.get(code="so-tnmt-hung-yen")
    assert department.body == "so"
    assert department.aliases == ["Sở Tài nguyên và Môi trường", "Sở TNMT"]
    assert Unit.objects.get(code="mttq-tx-my-hao").area_kind == "thi_xa"
    user = get_user_model().objects.get(username="hy-cb-van-lam")
    assert user.get_full_name() == "Bùi Thị Ngọc"
    assert not user.has_usable_password()
    assert sorted(Membership.objects.filter(user=user).values_list("unit__code", "role", "title")) == [
        ("mttq-van-lam", "officer", "Cán bộ"),
        ("mttq-xa-lac-hong", "leader", "Chủ tịch (kiêm nhiệm)"),
    ]
    # roles come with their object permissions and one audit record each
    assert set(get_perms(user, Unit.objects.get(code="mttq-xa-lac-hong"))) == {
        "approve_for_unit",
        "review_for_unit",
        "receive_for_unit",
    }
    assert PlanEvent.objects.filter(action=PlanEvent.Action.ROLE_GRANT).count() == 11


def test_loading_the_same_files_twice_changes_nothing_the_second_time():
    units, people = (SAMPLES / "units.csv").read_bytes(), (SAMPLES / "people.csv").read_bytes()
    directory_import(units_data=units, people_data=people)
    before = snapshot()

    result = directory_import(units_data=units, people_data=people)

    assert result.errors == []
    assert (result.units.created, result.units.updated, result.units.unchanged) == (0, 0, 9)
    assert (result.people.created, result.people.updated, result.people.unchanged) == (0, 0, 10)
    assert (result.roles.created, result.roles.updated, result.roles.unchanged) == (0, 0, 11)
    assert result.changes == []
    assert snapshot() == before


def test_changed_row_updates_only_that_unit_and_title():
    directory_import(
        units_data=csv_bytes(UNITS_HEADER + "a,Đơn vị A,,tỉnh,mttq,tỉnh,Hưng Yên\nb,Đơn vị B,a,huyện,mttq,huyện,\n"),
        people_data=csv_bytes(PEOPLE_HEADER + "nv,Nguyễn Văn,,b,officer,Cán bộ\n"),
    )

    result = directory_import(
        units_data=csv_bytes(
            UNITS_HEADER + "a,Đơn vị A,,tỉnh,mttq,tỉnh,Hưng Yên\nb,Đơn vị B mới,a,huyện,mttq,huyện,\n"
        ),
        people_data=csv_bytes(PEOPLE_HEADER + "nv,Nguyễn Văn,nv@example.org,b,officer,Chủ tịch\n"),
    )

    assert count_rows(result) == {
        "units_created": 0,
        "units_updated": 1,
        "units_unchanged": 1,
        "people_created": 0,
        "people_updated": 1,
        "people_unchanged": 0,
        "roles_created": 0,
        "roles_updated": 1,
        "roles_unchanged": 0,
    }
    b = Unit.objects.get(code="b")
    assert (b.name, b.province) == ("Đơn vị B mới", "")
    assert Membership.objects.get(user__username="nv").title == "Chủ tịch"
    assert get_user_model().objects.get(username="nv").email == "nv@example.org"


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
def test_bom_and_semicolon_and_english_or_unaccented_headers(sep, bom):
    units = (
        "code,ten,parent,cap,loai co quan,area_kind\n"
        "x,Đơn vị X,,province,mttq,tinh\n"
        "y,Đơn vị Y,x,Cấp huyện,UBND,huyen\n"
    )

    result = directory_import(units_data=csv_bytes(units, bom=bom, sep=sep), people_data=None)

    assert result.errors == []
    y = Unit.objects.get(code="y")
    assert (y.name, y.parent.code, y.level, y.body, y.area_kind) == ("Đơn vị Y", "x", "district", "ubnd", "huyen")


def test_decomposed_diacritics_are_normalised_to_nfc():
    text = unicodedata.normalize("NFD", UNITS_HEADER + "x,Ủy ban xã Lạc Hồng,,xã,ubnd,xã,\n")

    result = directory_import(units_data=text.encode(), people_data=None)

    assert result.errors == []
    assert Unit.objects.get(code="x").name == unicodedata.normalize("NFC", "Ủy ban xã Lạc Hồng")


def test_parent_later_in_file_is_created_first():
    units = UNITS_HEADER + "c,Xã C,b,xã,mttq,xã,\nb,Huyện B,a,huyện,mttq,huyện,\na,Tỉnh A,,tỉnh,mttq,tỉnh,Hưng Yên\n"

    result = directory_import(units_data=csv_bytes(units), people_data=None)

    assert result.errors == []
    assert Unit.objects.get(code="c").parent.parent.code == "a"
    # a new unit without a province takes its parent's
    assert Unit.objects.get(code="c").province == "Hưng Yên"


def test_parent_may_be_a_unit_already_in_the_directory(demo):
    units = UNITS_HEADER + "mttq-xa-moi,Xã Mới,mttq-gia-loc,xã,mttq,xã,\n"

    result = directory_import(units_data=csv_bytes(units), people_data=None)

    assert result.errors == []
    unit = Unit.objects.get(code="mttq-xa-moi")
    assert unit.parent.code == "mttq-gia-loc"
    assert unit.province == "Hải Dương"


def test_cycle_of_parents_is_refused_with_its_chain():
    units = UNITS_HEADER + "a,A,c,tỉnh,mttq,tỉnh,\nb,B,a,huyện,mttq,huyện,\nc,C,b,xã,mttq,xã,\nd,D,d,xã,mttq,xã,\n"

    result = directory_import(units_data=csv_bytes(units), people_data=None)

    # both at once: the self-parent row and the three-unit cycle of the other rows
    assert [str(e) for e in result.errors] == [
        "Dòng 2, cột 'đơn vị cha': các đơn vị cha tạo thành vòng: a → c → b → a.",
        "Dòng 5, cột 'đơn vị cha': một đơn vị không thể là đơn vị cha của chính nó.",
    ]
    # without the self-parent row, the three-unit cycle is reported once
    units = UNITS_HEADER + "a,A,c,tỉnh,mttq,tỉnh,\nb,B,a,huyện,mttq,huyện,\nc,C,b,xã,mttq,xã,\n"
    result = directory_import(units_data=csv_bytes(units), people_data=None)
    assert [str(e) for e in result.errors] == [
        "Dòng 2, cột 'đơn vị cha': các đơn vị cha tạo thành vòng: a → c → b → a.",
    ]
    assert Unit.objects.count() == 0


def test_cycle_through_a_unit_of_the_database_is_refused():
    directory_import(
        units_data=csv_bytes(UNITS_HEADER + "a,A,,tỉnh,mttq,tỉnh,\nb,B,a,huyện,mttq,huyện,\n"), people_data=None
    )

    # a becomes the child of b, which stays the child of a in the database
    result = directory_import(units_data=csv_bytes(UNITS_HEADER + "a,A,b,tỉnh,mttq,tỉnh,\n"), people_data=None)

    assert [str(e) for e in result.errors] == ["Dòng 2, cột 'đơn vị cha': các đơn vị cha tạo thành vòng: a → b → a."]
    assert Unit.objects.get(code="a").parent is None


def test_unknown_parent_names_the_line_and_column():
    units = UNITS_HEADER + "a,A,,tỉnh,mttq,tỉnh,\nb,B,a,huyện,mttq,huyện,\nc,C,ubnd-xyz,xã,mttq,xã,\n"

    result = directory_import(units_data=csv_bytes(units), people_data=None)

    assert [str(e) for e in result.errors] == [
        "Dòng 4, cột 'đơn vị cha': không có đơn vị mã 'ubnd-xyz' trong tệp hay trong danh mục."
    ]
    assert Unit.objects.count() == 0


def test_every_row_error_is_reported_not_just_the_first():
    units = UNITS_HEADER + (
        "a,A,,tỉnh,mttq,tỉnh,\n"
        "a,A lần hai,,tỉnh,mttq,tỉnh,\n"  # duplicate code
        "b,B,a,quốc gia,mttq,huyện,\n"  # bad level
        "c,C,a,huyện,công ty,huyện,\n"  # bad body
        "d,D,a,huyện,mttq,làng,\n"  # bad area kind
        "e e,,a,huyện,mttq,huyện,\n"  # bad code, empty name
    )

    result = directory_import(units_data=csv_bytes(units), people_data=None)

    messages = [str(e) for e in result.errors]
    assert messages[0] == "Dòng 3, cột 'mã': mã 'a' đã có ở dòng 2."
    assert messages[1].startswith("Dòng 4, cột 'cấp': 'quốc gia' không phải giá trị dùng được; hãy dùng một trong: ")
    assert "Cấp tỉnh" in messages[1]
    assert messages[2].startswith("Dòng 5, cột 'loại cơ quan': 'công ty' không phải giá trị dùng được")
    assert messages[3].startswith("Dòng 6, cột 'loại địa bàn': 'làng' không phải giá trị dùng được")
    assert messages[4] == "Dòng 7, cột 'tên': không được để trống."
    assert messages[5] == "Dòng 7, cột 'mã': mã 'e e' chỉ được gồm chữ không dấu, số, '-' và '_'."
    assert len(messages) == 6
    assert Unit.objects.count() == 0


def test_missing_and_unknown_columns_are_file_errors():
    result = directory_parse(units_data=csv_bytes("mã,tên,cấp trên,cấp\nx,X,,tỉnh\n"), people_data=None)

    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("Dòng 1, cột 'cấp trên': tên cột không nhận ra; các cột dùng được: 'mã', 'tên'")
    assert messages[1:] == [
        "Dòng 1, cột 'loại cơ quan': thiếu cột bắt buộc này.",
        "Dòng 1, cột 'loại địa bàn': thiếu cột bắt buộc này.",
    ]


def test_a_file_that_is_not_utf8_is_refused_with_the_excel_advice():
    result = directory_parse(
        # "Xã Đông" as Excel's "CSV (Comma delimited)" writes it on a Vietnamese Windows (Windows-1258)
        units_data=b"ma,ten,cap,loai co quan,loai dia ban\nx,X\xe3 \xd0\xf4ng,xa,mttq,xa\n",
        people_data=None,
    )

    assert len(result.errors) == 1
    assert result.errors[0].line is None
    assert "CSV UTF-8" in str(result.errors[0])


def test_person_errors_bad_role_unknown_unit_missing_name_and_bad_email(demo):
    people = PEOPLE_HEADER + (
        "moi1,Người Mới,,mttq-gia-loc,trưởng phòng,\n"  # bad role
        "moi2,Người Mới Hai,,ubnd-khong-co,officer,\n"  # unknown unit
        "moi3,,,mttq-gia-loc,officer,\n"  # new account without a name
        "moi4,Người Bốn,không-phải-email,mttq-gia-loc,leader,\n"  # bad e-mail
        "moi5,Người Năm,,mttq-gia-loc,,\n"  # unit without role
        "chuyenvien,,,mttq-gia-loc,officer,\n"  # an existing account needs no name
    )
    before = snapshot()

    result = directory_import(units_data=None, people_data=csv_bytes(people))

    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("Dòng 2, cột 'vai trò': 'trưởng phòng' không phải vai trò dùng được")
    assert "Chuyên viên, Lãnh đạo, Văn thư, Cán bộ tiếp nhận" in messages[0]
    assert messages[1:] == [
        # the cross-checks run on the rows that read well, in the same upload
        "Dòng 3, cột 'đơn vị': không có đơn vị mã 'ubnd-khong-co' trong tệp đơn vị hay trong danh mục.",
        "Dòng 4, cột 'họ và tên': tài khoản 'moi3' chưa có: cần ghi họ và tên để tạo.",
        "Dòng 5, cột 'email': 'không-phải-email' không phải địa chỉ email hợp lệ.",
        "Dòng 6, cột 'vai trò': cần ghi cả đơn vị và vai trò, hoặc bỏ trống cả hai.",
    ]
    assert snapshot() == before

    # when the rows themselves are right, the unknown unit and the missing name are reported
    people = PEOPLE_HEADER + "moi2,Người Mới Hai,,ubnd-khong-co,officer,\nmoi3,,,mttq-gia-loc,officer,\n"
    result = directory_import(units_data=None, people_data=csv_bytes(people))
    assert [str(e) for e in result.errors] == [
        "Dòng 2, cột 'đơn vị': không có đơn vị mã 'ubnd-khong-co' trong tệp đơn vị hay trong danh mục.",
        "Dòng 3, cột 'họ và tên': tài khoản 'moi3' chưa có: cần ghi họ và tên để tạo.",
    ]
    assert snapshot() == before


def test_person_rows_may_name_units_of_the_units_file():
    result = directory_import(
        units_data=csv_bytes(UNITS_HEADER + "a,A,,tỉnh,mttq,tỉnh,\n"),
        people_data=csv_bytes(PEOPLE_HEADER + "nv,Nguyễn Văn,,a,Lãnh đạo,\nnv,,,a,văn thư,\n"),
    )

    assert result.errors == []
    assert sorted(Membership.objects.filter(user__username="nv").values_list("role", flat=True)) == ["clerk", "leader"]


def test_duplicate_role_and_conflicting_names_of_a_person_are_errors():
    people = PEOPLE_HEADER + "nv,Nguyễn Văn,,a,leader,\nnv,Nguyễn Văn B,,a,lãnh đạo,\n"

    result = directory_import(
        units_data=csv_bytes(UNITS_HEADER + "a,A,,tỉnh,mttq,tỉnh,\n"), people_data=csv_bytes(people)
    )

    assert [str(e) for e in result.errors] == [
        "Dòng 3, cột 'vai trò': vai trò này của người này ở đơn vị này đã có ở dòng 2.",
        "Dòng 3, cột 'họ và tên': khác với dòng 2 của cùng tên đăng nhập ('Nguyễn Văn').",
    ]


def test_one_bad_row_among_good_ones_writes_nothing_at_all(demo):
    # given: the demo directory, and files whose last person row names a unit that does not exist
    units = (SAMPLES / "units.csv").read_bytes()
    people = (SAMPLES / "people.csv").read_bytes() + "hy-thua,Người Thừa,,ubnd-xyz,officer,\n".encode()
    before = snapshot()
    perms_before = get_user_model().objects.get(username="lanhdao").userobjectpermission_set.count()

    # when
    result = directory_import(units_data=units, people_data=people)

    # then
    assert [str(e) for e in result.errors] == [
        "Dòng 13, cột 'đơn vị': không có đơn vị mã 'ubnd-xyz' trong tệp đơn vị hay trong danh mục."
    ]
    assert result.errors[0].full.startswith("Tệp người dùng – Dòng 13")
    assert snapshot() == before
    assert not Unit.objects.filter(code="mttq-tinh-hung-yen").exists()
    assert get_user_model().objects.get(username="lanhdao").userobjectpermission_set.count() == perms_before


def test_dry_run_counts_exactly_and_writes_nothing():
    units, people = (SAMPLES / "units.csv").read_bytes(), (SAMPLES / "people.csv").read_bytes()
    before = snapshot()

    result = directory_import(units_data=units, people_data=people, dry_run=True)

    assert (result.units.created, result.people.created, result.roles.created) == (9, 10, 11)
    assert "Tạo đơn vị mttq-xa-lac-hong – Ban Thường trực Ủy ban MTTQ xã Lạc Hồng" in result.changes
    assert snapshot() == before


# --- the command ----------------------------------------------------------------------


def test_command_prints_summary_and_is_idempotent(capsys):
    call_command("import_directory", str(SAMPLES / "units.csv"), str(SAMPLES / "people.csv"))
    first = capsys.readouterr().out
    call_command("import_directory", str(SAMPLES / "units.csv"), str(SAMPLES / "people.csv"))
    second = capsys.readouterr().out

    assert "Đơn vị: 9 tạo mới, 0 cập nhật, 0 không đổi" in first
    assert "Vai trò: 11 tạo mới, 0 cập nhật, 0 không đổi" in first
    assert "Đơn vị: 0 tạo mới, 0 cập nhật, 9 không đổi" in second
    assert "Người dùng: 0 tạo mới, 0 cập nhật, 10 không đổi" in second


def test_command_dry_run_writes_nothing(capsys):
    call_command("import_directory", str(SAMPLES / "units.csv"), "--dry-run")

    assert "chưa ghi gì" in capsys.readouterr().out
    assert Unit.objects.count() == 0


def test_command_prints_set_password_links_for_new_accounts(capsys):
    call_command("import_directory", str(SAMPLES / "units.csv"), str(SAMPLES / "people.csv"), "--links")

    out = capsys.readouterr().out
    assert "hy-lanhdao: http://127.0.0.1:8000/accounts/reset/" in out


def test_command_exits_1_with_every_error(tmp_path, capsys):
    bad = tmp_path / "units.csv"
    bad.write_text(UNITS_HEADER + "a,A,zz,tỉnh,mttq,tỉnh,\nb,B,a,làng,mttq,huyện,\n", encoding="utf-8")

    with pytest.raises(CommandError, match="Không nạp gì: 2 lỗi"):
        call_command("import_directory", str(bad))

    err = capsys.readouterr().err
    assert "Tệp đơn vị – Dòng 2, cột 'đơn vị cha': không có đơn vị mã 'zz'" in err
    assert "Tệp đơn vị – Dòng 3, cột 'cấp': 'làng' không phải giá trị dùng được" in err
    assert Unit.objects.count() == 0


def test_command_process_exit_codes(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the subprocess would need its own PostgreSQL database; the exit code is the same")
    bad = tmp_path / "units.csv"
    bad.write_text(UNITS_HEADER + "a,A,zz,tỉnh,mttq,tỉnh,\n", encoding="utf-8")
    env = {**os.environ, "PLANFLOW_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    manage = str(Path(settings.BASE_DIR) / "manage.py")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, manage, *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert run("migrate", "-v0").returncode == 0
    refused = run("import_directory", str(bad))
    loaded = run("import_directory", str(SAMPLES / "units.csv"))

    assert refused.returncode == 1
    assert "Dòng 2, cột 'đơn vị cha': không có đơn vị mã 'zz'" in refused.stderr
    assert loaded.returncode == 0
    assert "Đơn vị: 9 tạo mới" in loaded.stdout


# --- the admin page -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("quantri", "quantri@example.org", "x-secret-123")
    client.force_login(admin)
    return client


def test_admin_upload_previews_then_confirms(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:documents_unit_import")
    assert 'id="directory-import-link"' in admin_client.get(reverse("admin:documents_unit_changelist")).content.decode()

    # when: the clerk uploads the files
    response = admin_client.post(
        url,
        {
            "step": "check",
            "units": SimpleUploadedFile("units.csv", (SAMPLES / "units.csv").read_bytes()),
            "people": SimpleUploadedFile("people.csv", (SAMPLES / "people.csv").read_bytes()),
        },
    )

    # then: a preview, nothing written yet
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đơn vị: 9 tạo mới, 0 cập nhật, 0 không đổi" in body
    assert 'id="confirm-form"' in body
    assert Unit.objects.count() == 0
    token = response.context["token"]

    # when: confirmed
    response = admin_client.post(url, {"step": "confirm", "token": token})

    # then
    body = response.content.decode()
    assert 'id="import-applied"' in body
    assert Unit.objects.count() == 9
    assert "/accounts/reset/" in body
    assert PlanEvent.objects.filter(action="role_grant", actor__username="quantri").count() == 11
    # the stored files are spent: confirming again writes nothing
    response = admin_client.post(url, {"step": "confirm", "token": token})
    assert response.status_code == 302
    assert Membership.objects.count() == 11


def test_admin_upload_with_errors_lists_them_and_offers_no_confirmation(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = csv_bytes(UNITS_HEADER + "a,A,zz,tỉnh,mttq,tỉnh,\n")

    response = admin_client.post(
        reverse("admin:documents_unit_import"), {"step": "check", "units": SimpleUploadedFile("u.csv", bad)}
    )

    body = response.content.decode()
    assert "Tệp đơn vị – Dòng 2, cột &#x27;đơn vị cha&#x27;: không có đơn vị mã &#x27;zz&#x27;" in body
    assert 'id="confirm-form"' not in body
    assert Unit.objects.count() == 0


BAD_UNITS = UNITS_HEADER + "a,A,,tỉnh,mttq,tỉnh,\nb,B,khong-co,huyện,mttq,huyện,\n"  # unknown parent
BAD_PEOPLE = PEOPLE_HEADER + (
    "nv1,Nguyễn Văn Một,khong-phai-email,a,officer,\n"  # bad e-mail
    "nv2,Nguyễn Văn Hai,,a,trưởng phòng,\n"  # bad role
)
BAD_BOTH = [
    "Dòng 3, cột 'đơn vị cha': không có đơn vị mã 'khong-co' trong tệp hay trong danh mục.",
    "Dòng 2, cột 'email': 'khong-phai-email' không phải địa chỉ email hợp lệ.",
    "Dòng 3, cột 'vai trò': 'trưởng phòng' không phải vai trò dùng được",
]


def test_errors_of_both_files_are_reported_at_once():
    result = directory_import(units_data=csv_bytes(BAD_UNITS), people_data=csv_bytes(BAD_PEOPLE))

    messages = [str(e) for e in result.errors]
    assert [e.source for e in result.errors] == ["đơn vị", "người dùng", "người dùng"]
    assert messages[:2] == BAD_BOTH[:2]
    assert messages[2].startswith(BAD_BOTH[2])
    assert len(messages) == 3
    assert Unit.objects.count() == 0


def test_a_row_with_errors_causes_no_echo_in_the_cross_checks():
    """A child of a bad unit row, or a person of it, is not reported as naming an unknown unit."""
    units = UNITS_HEADER + "a,A,,quốc gia,mttq,tỉnh,\nb,B,a,huyện,mttq,huyện,\n"  # a: bad level
    people = PEOPLE_HEADER + "nv,Nguyễn Văn,x@,b,officer,\nnv,,,a,leader,\n"  # the name is on the bad row

    result = directory_parse(units_data=csv_bytes(units), people_data=csv_bytes(people))

    messages = [str(e) for e in result.errors]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Dòng 2, cột 'cấp': 'quốc gia'")
    assert messages[1] == "Dòng 2, cột 'email': 'x@' không phải địa chỉ email hợp lệ."


def test_command_reports_the_errors_of_both_files(tmp_path, capsys):
    units, people = tmp_path / "units.csv", tmp_path / "people.csv"
    units.write_text(BAD_UNITS, encoding="utf-8")
    people.write_text(BAD_PEOPLE, encoding="utf-8")

    with pytest.raises(CommandError, match="Không nạp gì: 3 lỗi"):
        call_command("import_directory", str(units), str(people))

    err = capsys.readouterr().err
    assert "Tệp đơn vị – " + BAD_BOTH[0] in err
    assert "Tệp người dùng – " + BAD_BOTH[1] in err
    assert "Tệp người dùng – " + BAD_BOTH[2] in err


def test_admin_upload_of_both_files_lists_every_error(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        reverse("admin:documents_unit_import"),
        {
            "step": "check",
            "units": SimpleUploadedFile("u.csv", csv_bytes(BAD_UNITS)),
            "people": SimpleUploadedFile("p.csv", csv_bytes(BAD_PEOPLE)),
        },
    )

    body = response.content.decode().replace("&#x27;", "'")
    for message in BAD_BOTH:
        assert message in body
    assert 'id="confirm-form"' not in body
    assert Unit.objects.count() == 0


def test_admin_import_page_needs_directory_permissions(client, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="x-secret-123", is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("admin:documents_unit_import"))

    assert response.status_code == 403
