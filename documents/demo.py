"""Demo directory: the Front committees of Hải Dương province as of December 2019.

Used by `manage.py load_demo`, `manage.py walkthrough` and the tests. Loading is
idempotent: units are matched by `code`, people by username, roles by
(person, unit, role), so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from documents.models import Membership, Unit
from documents.services import membership_grant

DEMO_PASSWORD = "planflow-demo"
PROVINCE = "Hải Dương"

# The district-level administrative units of Hải Dương in December 2019: two
# thành phố, one thị xã and nine huyện. Their kind matters: "các huyện, thị xã"
# in a Nơi nhận covers the huyện and the thị xã, not the thành phố.
DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("tp-hai-duong", Unit.AreaKind.CITY, "Hải Dương"),
    ("tp-chi-linh", Unit.AreaKind.CITY, "Chí Linh"),
    ("tx-kinh-mon", Unit.AreaKind.TOWN, "Kinh Môn"),
    ("binh-giang", Unit.AreaKind.DISTRICT, "Bình Giang"),
    ("cam-giang", Unit.AreaKind.DISTRICT, "Cẩm Giàng"),
    ("gia-loc", Unit.AreaKind.DISTRICT, "Gia Lộc"),
    ("kim-thanh", Unit.AreaKind.DISTRICT, "Kim Thành"),
    ("nam-sach", Unit.AreaKind.DISTRICT, "Nam Sách"),
    ("ninh-giang", Unit.AreaKind.DISTRICT, "Ninh Giang"),
    ("thanh-ha", Unit.AreaKind.DISTRICT, "Thanh Hà"),
    ("thanh-mien", Unit.AreaKind.DISTRICT, "Thanh Miện"),
    ("tu-ky", Unit.AreaKind.DISTRICT, "Tứ Kỳ"),
)

_AREA_WORD = {
    Unit.AreaKind.CITY: "thành phố",
    Unit.AreaKind.TOWN: "thị xã",
    Unit.AreaKind.DISTRICT: "huyện",
}


@dataclass(frozen=True)
class DemoLogin:
    """One demo account: username, password, and what the person does."""

    username: str
    password: str
    description: str


PROVINCIAL_COMMITTEE = "mttq-tinh-hai-duong"
DEPARTMENT_TNMT = "so-tnmt-hai-duong"


DEMO_ADMIN = "admin"
"""The demo's administrator: the admin site only (site-wide deadlines, days off, the directory), no unit role."""


def _district_code(slug: str) -> str:
    return f"mttq-{slug}"


def demo_logins() -> list[DemoLogin]:
    """Every demo account, in the order the README lists them."""
    logins = [
        DemoLogin("chuyenvien", DEMO_PASSWORD, "Chuyên viên (soạn kế hoạch) – Ban Thường trực UB MTTQ tỉnh"),
        DemoLogin("lanhdao", DEMO_PASSWORD, "Lãnh đạo (duyệt, thu hồi) – Ban Thường trực UB MTTQ tỉnh"),
        DemoLogin("vanthu", DEMO_PASSWORD, "Văn thư (vào sổ, phát hành) – Ban Thường trực UB MTTQ tỉnh"),
        DemoLogin("sotnmt", DEMO_PASSWORD, "Cán bộ tiếp nhận – Sở Tài nguyên và Môi trường"),
        DemoLogin(
            DEMO_ADMIN,
            DEMO_PASSWORD,
            "Quản trị hệ thống – trang /admin/: thời hạn mặc định, lịch ngày nghỉ, danh bạ (không thuộc đơn vị nào)",
        ),
    ]
    for slug, _kind, name in DISTRICTS:
        logins.append(DemoLogin(f"cb-{slug}", DEMO_PASSWORD, f"Cán bộ tiếp nhận – MTTQ {name}"))
        logins.append(DemoLogin(f"ld-{slug}", DEMO_PASSWORD, f"Lãnh đạo – MTTQ {name}"))
    return logins


def load_demo() -> dict[str, int]:
    """Create or update the demo directory and accounts; returns counts of rows created."""
    created = {"units": 0, "users": 0, "roles": 0}
    with transaction.atomic():
        province_committee = _unit(
            created,
            code=PROVINCIAL_COMMITTEE,
            name="Ban Thường trực Ủy ban MTTQ tỉnh Hải Dương",
            short_name="Ban Thường trực UB MTTQ tỉnh",
            level=Unit.Level.PROVINCE,
            body=Unit.Body.FRONT,
            area_kind=Unit.AreaKind.PROVINCE,
            area_name=PROVINCE,
            symbol="MTTQ-BTT",
            signature_authority="TM. BAN THƯỜNG TRỰC",
            parent=None,
            aliases=["Ban Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hải Dương"],
        )
        department = _unit(
            created,
            code=DEPARTMENT_TNMT,
            name="Sở Tài nguyên và Môi trường tỉnh Hải Dương",
            short_name="Sở TN&MT",
            level=Unit.Level.PROVINCE,
            body=Unit.Body.DEPARTMENT,
            area_kind=Unit.AreaKind.PROVINCE,
            area_name=PROVINCE,
            symbol="STNMT",
            parent=None,
            aliases=["Sở Tài nguyên và Môi trường"],
        )
        _person(created, "chuyenvien", "Nguyễn Thị Lan", province_committee, Membership.Role.DRAFTER, "Chuyên viên")
        _person(created, "lanhdao", "Trần Văn Hùng", province_committee, Membership.Role.LEADER, "Phó Chủ tịch")
        _person(created, "vanthu", "Phạm Thị Hoa", province_committee, Membership.Role.CLERK, "Văn thư")
        _person(created, "sotnmt", "Lê Minh Tuấn", department, Membership.Role.OFFICER, "Chuyên viên")
        for slug, kind, name in DISTRICTS:
            area = f"{_AREA_WORD[kind]} {name}"
            unit = _unit(
                created,
                code=_district_code(slug),
                name=f"Ban Thường trực Ủy ban MTTQ {area}",
                short_name=f"MTTQ {area}",
                level=Unit.Level.DISTRICT,
                body=Unit.Body.FRONT,
                area_kind=kind,
                area_name=name,
                symbol="MTTQ-BTT",
                signature_authority="TM. BAN THƯỜNG TRỰC",
                parent=province_committee,
                aliases=[],
            )
            _person(created, f"cb-{slug}", f"Cán bộ MTTQ {name}", unit, Membership.Role.OFFICER, "Cán bộ")
            _person(created, f"ld-{slug}", f"Lãnh đạo MTTQ {name}", unit, Membership.Role.LEADER, "Chủ tịch")
        _administrator(created)
    return created


def _administrator(created: dict[str, int]) -> None:
    """The demo administrator (`DEMO_ADMIN`): staff and superuser of the demo's admin site, no unit role."""
    user, was_created = get_user_model().objects.get_or_create(
        username=DEMO_ADMIN,
        defaults={"first_name": "Quản trị hệ thống", "email": f"{DEMO_ADMIN}@planflow.local"},
    )
    if was_created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["password", "is_staff", "is_superuser"])
        created["users"] += 1


def _unit(created: dict[str, int], *, code: str, **fields) -> Unit:
    unit, was_created = Unit.objects.update_or_create(code=code, defaults={**fields, "province": PROVINCE})
    created["units"] += was_created
    return unit


def _person(created: dict[str, int], username: str, full_name: str, unit: Unit, role: str, title: str) -> None:
    user_model = get_user_model()
    # Vietnamese names read family name first: keep the whole name in first_name so
    # that get_full_name() gives it back as written.
    user, was_created = user_model.objects.get_or_create(
        username=username,
        defaults={"first_name": full_name, "email": f"{username}@planflow.local"},
    )
    if was_created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        created["users"] += 1
    created["roles"] += not Membership.objects.filter(user=user, unit=unit, role=role).exists()
    membership_grant(user=user, unit=unit, role=role, title=title)


def demo_unit(code: str) -> Unit:
    """A demo unit by code (raises Unit.DoesNotExist before `load_demo`)."""
    return Unit.objects.get(code=code)


def district_committee(slug: str) -> Unit:
    """The demo Front committee of a district, by its slug in `DISTRICTS`."""
    return demo_unit(_district_code(slug))
