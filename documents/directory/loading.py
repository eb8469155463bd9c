"""Writing the checked directory files: all of it in one transaction, or nothing; idempotent.

See `documents.directory` for what is matched by what, and docs/directory.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from documents.directory.reading import PersonRow, RowError, UnitRow, directory_parse
from documents.models import Membership, Unit
from documents.services import membership_grant


@dataclass
class Counts:
    """Created / updated / unchanged rows of one kind."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What `directory_import` did (or, with `dry_run`, would do); `errors` empty when it ran.

    `new_users` are the usernames of the accounts created (they have no usable password: see
    `set_password_links`); `changes` lists one line per created or updated row, for a preview.
    """

    dry_run: bool
    units: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    roles: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    new_users: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- applying ----------------------------------------------------------------------------

_UNIT_FIELDS = (
    "name",
    "short_name",
    "level",
    "body",
    "area_kind",
    "area_name",
    "province",
    "symbol",
    "signature_authority",
    "aliases",
)


def directory_import(
    *,
    units_data: bytes | None,
    people_data: bytes | None,
    actor: AbstractBaseUser | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Load units and people from CSV bytes: all of it, in one transaction, or nothing.

    Units are created or updated by code, parents before children whatever the order of the
    rows; a column left out of the file leaves that field of an existing unit as it is. People
    are created by username (no usable password: `set_password_links`) or their name and e-mail
    updated; roles are granted with `membership_grant` (audited, `actor` as the one who acted),
    and a role's title updated. With `dry_run` everything runs and is then rolled back, so the
    counts are exactly those a real run would give. Returns the counts; when a file has errors,
    `errors` lists all of them and nothing is written (no row, no audit record).
    """
    parsed = directory_parse(units_data=units_data, people_data=people_data)
    result = ImportResult(dry_run=dry_run, errors=parsed.errors)
    if parsed.errors:
        return result
    with transaction.atomic():
        units = _apply_units(parsed.units, result)
        _apply_people(parsed.people, units, result, actor)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _unit_order(rows: list[UnitRow]) -> list[UnitRow]:
    """Rows with each parent of the file before its children (cycles were refused by the parse)."""
    by_code = {row.code: row for row in rows}
    ordered: list[UnitRow] = []
    done: set[str] = set()
    for row in rows:
        chain = []
        code: str | None = row.code
        while code in by_code and code not in done and code not in chain:
            chain.append(code)
            code = str(by_code[code].values["parent"]) or None
        for code in reversed(chain):
            done.add(code)
            ordered.append(by_code[code])
    return ordered


def _apply_units(rows: list[UnitRow], result: ImportResult) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    existing = {unit.code: unit for unit in Unit.objects.filter(code__in=[row.code for row in rows])}
    for row in _unit_order(rows):
        unit = existing.get(row.code)
        parent_code = str(row.values["parent"])
        parent = None
        if parent_code:
            parent = units.get(parent_code) or Unit.objects.get(code=parent_code)
        if unit is None:
            values = {name: row.values[name] for name in _UNIT_FIELDS}
            if not values["province"] and parent is not None:
                values["province"] = parent.province
            unit = Unit.objects.create(code=row.code, parent=parent, **values)
            result.units.created += 1
            result.changes.append(_("Tạo đơn vị %(code)s – %(name)s") % {"code": unit.code, "name": unit.name})
        else:
            changed = []
            for name in _UNIT_FIELDS:
                if name in row.present and getattr(unit, name) != row.values[name]:
                    setattr(unit, name, row.values[name])
                    changed.append(name)
            if "parent" in row.present and unit.parent_id != (parent.pk if parent else None):
                unit.parent = parent
                changed.append("parent")
            if changed:
                unit.save(update_fields=changed)
                result.units.updated += 1
                fields = ", ".join(str(Unit._meta.get_field(name).verbose_name) for name in changed)
                result.changes.append(_("Cập nhật đơn vị %(code)s: %(fields)s") % {"code": unit.code, "fields": fields})
            else:
                result.units.unchanged += 1
        units[unit.code] = unit
    return units


def _apply_people(
    rows: list[PersonRow], units: dict[str, Unit], result: ImportResult, actor: AbstractBaseUser | None
) -> None:
    user_model = get_user_model()
    username_field = user_model.USERNAME_FIELD
    people: dict[str, AbstractBaseUser] = {}
    for row in rows:
        username = row.values["username"]
        if username not in people:
            people[username] = _apply_person(username, rows, result, user_model, username_field)
        user = people[username]
        if not row.values["unit"]:
            continue
        unit = units.get(row.values["unit"]) or Unit.objects.get(code=row.values["unit"])
        role, title = row.values["role"], row.values["title"]
        membership = Membership.objects.filter(user=user, unit=unit, role=role).first()
        if membership is None:
            membership_grant(user=user, unit=unit, role=role, title=title, actor=actor)
            result.roles.created += 1
            result.changes.append(
                _("Giao vai trò %(role)s ở %(unit)s cho %(user)s")
                % {"role": Membership.Role(role).label, "unit": unit.code, "user": username}
            )
        elif "title" in row.present and membership.title != title:
            membership.title = title
            membership.save(update_fields=["title"])
            result.roles.updated += 1
            result.changes.append(
                _("Cập nhật chức vụ của %(user)s ở %(unit)s: %(title)s")
                % {"user": username, "unit": unit.code, "title": title}
            )
        else:
            result.roles.unchanged += 1


def _apply_person(username: str, rows: list[PersonRow], result: ImportResult, user_model, username_field: str):
    """Create or update one account from the first non-empty name and e-mail of its rows."""
    mine = [row for row in rows if row.values["username"] == username]
    full_name = next((row.values["full_name"] for row in mine if row.values["full_name"]), "")
    email = next((row.values["email"] for row in mine if row.values["email"]), "")
    user = user_model.objects.filter(**{username_field: username}).first()
    if user is None:
        # Vietnamese names read family name first: the whole name goes in first_name (as documents.demo).
        user = user_model(**{username_field: username}, first_name=full_name, email=email)
        user.set_unusable_password()
        user.save()
        result.people.created += 1
        result.new_users.append(username)
        result.changes.append(_("Tạo tài khoản %(user)s – %(name)s") % {"user": username, "name": full_name})
        return user
    changed = []
    if full_name and user.first_name != full_name:
        user.first_name, user.last_name = full_name, ""
        changed += ["first_name", "last_name"]
    if email and user.email != email:
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)
        result.people.updated += 1
        result.changes.append(_("Cập nhật tài khoản %(user)s") % {"user": username})
    else:
        result.people.unchanged += 1
    return user


def set_password_links(*, usernames: Iterable[str], site_url: str) -> dict[str, str]:
    """One-time links by which new accounts set their own password: {username: absolute URL}.

    The links are Django's password-reset confirmations (valid PASSWORD_RESET_TIMEOUT, 3 days by
    default, and spent once a password is set); Django's "forgot password" form sends nothing to an
    account without a usable password, so these links are the way in for imported people.
    """
    user_model = get_user_model()
    users = user_model.objects.filter(**{f"{user_model.USERNAME_FIELD}__in": list(usernames)})
    links = {}
    for user in users:
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        links[user.get_username()] = site_url.rstrip("/") + path
    return dict(sorted(links.items()))


def summary_lines(result: ImportResult) -> list[str]:
    """The counts as three Vietnamese lines (units, people, roles)."""
    lines = []
    for label, counts in ((_("Đơn vị"), result.units), (_("Người dùng"), result.people), (_("Vai trò"), result.roles)):
        lines.append(
            _("%(label)s: %(created)s tạo mới, %(updated)s cập nhật, %(unchanged)s không đổi")
            % {"label": label, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
        )
    return lines


def count_rows(result: ImportResult) -> Counter:
    """All counts in one Counter ({"units_created": 3, …}), for tests and logs."""
    counter: Counter = Counter()
    for kind in ("units", "people", "roles"):
        counts = getattr(result, kind)
        for key in ("created", "updated", "unchanged"):
            counter[f"{kind}_{key}"] = getattr(counts, key)
    return counter
