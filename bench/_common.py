"""The national-scale data set of the dispatch, queue and board benches (issue 7), and their helpers.

    .venv/bin/python bench/_common.py            build the data set if it is missing, print what it holds
    .venv/bin/python bench/_common.py --rebuild  drop the bench rows and build them again

A PostgreSQL database of its own, `planflow_bench_national` (beside bench.sh's `planflow_bench`:
see the comment at DATABASE_URL below; created and migrated by `setup()`), receives, in one
transaction:

- 4,057 units: one central committee (the issuer of national plans), 63 provincial, 693 district-level
  and 3,300 commune-level committees, codes `bench-…`;
- 20,000 people (`bench-…`), each with one or more roles (`Membership`) and the guardian
  `UnitUserObjectPermission` rows (its direct table for units) `documents.permissions.ROLE_PERMISSIONS`
  gives each role (20,617 roles, 36,845 guardian rows);
  three officers hold the receiving role in 1, 50 and 100 commune units (`bench-officer-1/-50/-100`);
- 100,000 dispatched plans, each to 10 commune units (1,000,000 recipients and deliveries), one
  `PlanProcess` each, and 1,000,000 HUMAN `acknowledge` tasks of `PlanFlow` with
  owner_permission "documents.receive_for_unit" and owner_permission_obj_pk = the unit's id: the
  newest 3% of plans are open (30,000 tasks NEW or ASSIGNED, about 9 per commune), the rest DONE.

Rows are written with COPY (units, people, roles) and set-based INSERT … SELECT over
generate_series (plans, processes, recipients, deliveries, tasks), never the ORM row by row.
Foreign-key triggers are skipped during the load (`session_replication_role = replica`: the rows are
consistent by construction), then the tables are vacuumed and analysed. A row in `bench_dataset`
marks a finished build, so the next run reuses the data. Audit records (`PlanEvent`) of these
historical plans are not generated: no measured page reads them; the board plan (`board_plan()`)
has its own, chained as `documents.audit` does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The same environment as scripts/bench.sh, for a bench started by itself.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/planflow_bench")
# The national data set lives in a database of its own beside bench.sh's (`planflow_bench_national`):
# other benches write to `planflow_bench` too (bench/reminders.py keeps 1,000,000 NEW tasks there
# with no owner_permission, which viewflow puts in *every* person's queue), and this data set's
# 30,000 open tasks would enter their sweep. BENCH_NATIONAL_DATABASE_URL overrides it.
SHARED_DATABASE_URL = os.environ["DATABASE_URL"]
os.environ["DATABASE_URL"] = os.environ.get("BENCH_NATIONAL_DATABASE_URL") or (
    SHARED_DATABASE_URL.rsplit("/", 1)[0] + "/" + SHARED_DATABASE_URL.rsplit("/", 1)[1].split("?")[0] + "_national"
)
os.environ.setdefault("PLANFLOW_VAR_DIR", str(ROOT / "var" / "bench"))
if not os.environ.get("CELERY_BROKER_URL") and not os.environ.get("REDIS_URL"):
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

DATASET = "national-v2"  # v2: deliveries carry their due times (documents 0008)
N_PROVINCES = 63
DISTRICTS_PER_PROVINCE = 11
N_DISTRICTS = N_PROVINCES * DISTRICTS_PER_PROVINCE  # 693
N_COMMUNES = 3300
N_PEOPLE = 20_000
N_PLANS = 100_000
RECIPIENTS_PER_PLAN = 10
N_TASKS = N_PLANS * RECIPIENTS_PER_PLAN  # 1,000,000
OPEN_FROM_PLAN = N_PLANS - N_PLANS * 3 // 100  # the newest 3% of plans are still being acknowledged
COMMUNE_STRIDE = N_COMMUNES // RECIPIENTS_PER_PLAN  # plan i goes to communes i, i+330, i+660, …

ISSUER_CODE = "bench-tw"
ISSUER_LEADER, ISSUER_CLERK, ISSUER_DRAFTER = "bench-tw-leader", "bench-tw-clerk", "bench-tw-drafter"
OFFICERS = {1: "bench-officer-1", 50: "bench-officer-50", 100: "bench-officer-100"}
# Communes (by index) where those officers hold the receiving role.
OFFICER_COMMUNES = {1: range(0, 1), 50: range(100, 150), 100: range(200, 300)}

RECEIVE = "documents.receive_for_unit"
ACKNOWLEDGE_REF = "workflow/flows.PlanFlow.acknowledge"
FLOW_REF = "workflow/flows.PlanFlow"

_NAMES = (
    "An Bình", "Tân Lập", "Hòa Phú", "Phước Long", "Đông Hưng", "Thạch Hà", "Yên Lạc", "Quảng Ngãi",
    "Hưng Đạo", "Nghĩa Đàn", "Cẩm Xuyên", "Vĩnh Tường", "Lộc Hà", "Kỳ Sơn", "Bảo Lâm", "Đức Phổ",
)  # fmt: skip


def setup() -> None:
    """Configure Django against the bench database; create and migrate it when needed."""
    import django

    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"bench: PostgreSQL is needed (DATABASE_URL={url.split('@')[-1]})")
    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    sys.path.insert(0, str(ROOT / "scripts"))
    import services  # scripts/services.py, as bench.sh uses it

    with contextlib.redirect_stdout(io.StringIO()):
        missing = services.ensure_database(url)
    if missing:
        raise SystemExit("bench: PostgreSQL is not answering")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        from django.core.management import call_command

        print("bench: migrating the bench database…", flush=True)
        call_command("migrate", interactive=False, verbosity=0)


# --- the data set -----------------------------------------------------------------------


def _execute(cursor, sql: str, params: Sequence | None = None) -> None:
    cursor.execute(sql, params)


def _reserve(cursor, table: str, count: int) -> int:
    """Reserve `count` consecutive ids of `table` past every existing one; returns the first."""
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
    top = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
    last, called = cursor.fetchone()
    first = max(top, last if called else last - 1) + 1
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def dataset_info() -> dict | None:
    """The marker row of a finished build ({"seconds": …, "facts": …}), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (name text PRIMARY KEY, built_at timestamptz NOT NULL,"
            " seconds double precision NOT NULL, facts jsonb NOT NULL)"
        )
        cursor.execute("SELECT seconds, facts, built_at FROM bench_dataset WHERE name = %s", [DATASET])
        row = cursor.fetchone()
    if row is None:
        return None
    facts = json.loads(row[1]) if isinstance(row[1], str) else row[1]  # Django leaves jsonb undecoded
    return {"seconds": row[0], "facts": facts, "built_at": row[2]}


def ensure_dataset(*, rebuild: bool = False) -> dict:
    """Build the national data set unless a finished build is recorded; returns its marker."""
    info = dataset_info()
    if info is not None and not rebuild:
        return info
    drop_dataset()  # also what an older version of the data set, or an interrupted build, left
    started = time.perf_counter()
    print(
        f"bench: building the data set ({N_COMMUNES:,} communes, {N_PEOPLE:,} people, {N_PLANS:,} plans,"
        f" {N_TASKS:,} tasks)…",
        flush=True,
    )
    facts = _build()
    seconds = time.perf_counter() - started
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_dataset (name, built_at, seconds, facts) VALUES (%s, now(), %s, %s::jsonb)",
            [DATASET, seconds, _json(facts)],
        )
    print(f"bench: data set built in {seconds:.0f} s", flush=True)
    return dataset_info()


def _json(value) -> str:
    return json.dumps(value)


def drop_dataset() -> None:
    """Delete every bench row (units and people coded `bench-…` and what hangs off them)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")
        bench_users = "SELECT id FROM auth_user WHERE username LIKE 'bench-%%'"
        bench_units = "SELECT id FROM documents_unit WHERE code LIKE 'bench-%%'"
        for sql in (
            "CREATE TEMP TABLE bench_plans ON COMMIT DROP AS SELECT p.id FROM documents_plan p"
            " JOIN documents_unit u ON u.id = p.issuer_id WHERE u.code LIKE 'bench-%%'",
            "CREATE TEMP TABLE bench_procs ON COMMIT DROP AS SELECT process_ptr_id AS id"
            " FROM workflow_planprocess WHERE plan_id IN (SELECT id FROM bench_plans)",
            "DELETE FROM viewflow_task_previous WHERE from_task_id IN"
            " (SELECT id FROM viewflow_task WHERE process_id IN (SELECT id FROM bench_procs))",
            "DELETE FROM viewflow_task WHERE process_id IN (SELECT id FROM bench_procs)",
            "DELETE FROM workflow_planprocess WHERE process_ptr_id IN (SELECT id FROM bench_procs)",
            "DELETE FROM viewflow_process WHERE id IN (SELECT id FROM bench_procs)",
            "DELETE FROM documents_report WHERE delivery_id IN (SELECT id FROM documents_delivery"
            " WHERE plan_id IN (SELECT id FROM bench_plans))",
            "DELETE FROM documents_planevent WHERE plan_id IN (SELECT id FROM bench_plans)",
            "DELETE FROM documents_delivery WHERE plan_id IN (SELECT id FROM bench_plans)",
            "DELETE FROM documents_recipient WHERE plan_id IN (SELECT id FROM bench_plans)",
            "DELETE FROM documents_planversion WHERE plan_id IN (SELECT id FROM bench_plans)",
            "DELETE FROM documents_plan WHERE id IN (SELECT id FROM bench_plans)",
            f"DELETE FROM documents_unituserobjectpermission WHERE user_id IN ({bench_users})",  # noqa: S608 (constants)
            f"DELETE FROM documents_membership WHERE user_id IN ({bench_users})",  # noqa: S608
            "DELETE FROM auth_user WHERE username LIKE 'bench-%%'",
            f"DELETE FROM documents_outgoingregister WHERE unit_id IN ({bench_units})",  # noqa: S608
            "DELETE FROM documents_unit WHERE code LIKE 'bench-%%'",
            "DELETE FROM bench_dataset",
            # The board plan's audit records were the tail of the chain: point the head back at what is left.
            "UPDATE documents_audithead"
            " SET last_sequence = coalesce((SELECT max(sequence) FROM documents_planevent), 0),"
            " last_hash = coalesce((SELECT hash FROM documents_planevent ORDER BY sequence DESC NULLS LAST LIMIT 1),"
            " repeat('0', 64))",
        ):
            c.execute(sql)


@dataclass
class _Person:
    username: str
    name: str


def _build() -> dict:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from documents.models import Membership, Unit
    from documents.permissions import ROLE_PERMISSIONS

    unit_ct = ContentType.objects.get_for_model(Unit).pk
    perm_ids = dict(ContentType.objects.get_for_model(Unit).permission_set.values_list("codename", "id"))
    timings: dict[str, float] = {}

    @contextmanager
    def step(name: str):
        t0 = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - t0, 1)
        print(f"bench:   {name}: {timings[name]:.1f} s", flush=True)

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")  # skip FK triggers: rows are consistent
        c.execute("SET LOCAL synchronous_commit = off")
        c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        c.execute("SET LOCAL work_mem = '64MB'")
        for table in ("documents_unit", "auth_user", "documents_plan", "viewflow_process", "viewflow_task"):
            c.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")

        # Units: central, provinces, districts, communes, in that id order.
        n_units = 1 + N_PROVINCES + N_DISTRICTS + N_COMMUNES
        u0 = _reserve(c, "documents_unit", n_units)
        central = u0
        province0 = u0 + 1
        district0 = province0 + N_PROVINCES
        commune0 = district0 + N_DISTRICTS
        with step("units (COPY)"):
            cols = (
                "id, code, name, short_name, level, body, area_kind, area_name, province, symbol,"
                " aliases, is_active, parent_id, signature_authority"
            )
            with c.copy(f"COPY documents_unit ({cols}) FROM STDIN") as copy:
                copy.write_row(
                    (central, ISSUER_CODE, "Đoàn Chủ tịch Ủy ban Trung ương MTTQ Việt Nam", "UBTW MTTQ Việt Nam",
                     Unit.Level.CENTRAL, Unit.Body.FRONT, Unit.AreaKind.NATION, "Việt Nam", "", "MTTQ-ĐCT",
                     "[]", True, None, "TM. ĐOÀN CHỦ TỊCH")
                )  # fmt: skip
                for p in range(N_PROVINCES):
                    area = f"{_NAMES[p % len(_NAMES)]} {p + 1:02d}"
                    copy.write_row(
                        (province0 + p, f"bench-tinh-{p:02d}", f"Ban Thường trực Ủy ban MTTQ tỉnh {area}",
                         f"MTTQ tỉnh {area}", Unit.Level.PROVINCE, Unit.Body.FRONT, Unit.AreaKind.PROVINCE, area,
                         area, "MTTQ-BTT", "[]", True, central, "TM. BAN THƯỜNG TRỰC")
                    )  # fmt: skip
                for d in range(N_DISTRICTS):
                    p = d // DISTRICTS_PER_PROVINCE
                    area = f"{_NAMES[(d * 7) % len(_NAMES)]} {d + 1:03d}"
                    copy.write_row(
                        (district0 + d, f"bench-huyen-{d:03d}", f"Ban Thường trực Ủy ban MTTQ huyện {area}",
                         f"MTTQ huyện {area}", Unit.Level.DISTRICT, Unit.Body.FRONT, Unit.AreaKind.DISTRICT, area,
                         f"{_NAMES[p % len(_NAMES)]} {p + 1:02d}", "MTTQ-BTT", "[]", True, province0 + p,
                         "TM. BAN THƯỜNG TRỰC")
                    )  # fmt: skip
                for x in range(N_COMMUNES):
                    d = x % N_DISTRICTS
                    p = d // DISTRICTS_PER_PROVINCE
                    area = f"{_NAMES[(x * 5) % len(_NAMES)]} {x + 1:04d}"
                    copy.write_row(
                        (commune0 + x, f"bench-xa-{x:04d}", f"Ban Thường trực Ủy ban MTTQ xã {area}",
                         f"MTTQ xã {area}", Unit.Level.COMMUNE, Unit.Body.FRONT, Unit.AreaKind.COMMUNE, area,
                         f"{_NAMES[p % len(_NAMES)]} {p + 1:02d}", "MTTQ", "[]", True, district0 + d,
                         "TM. BAN THƯỜNG TRỰC")
                    )  # fmt: skip

        # People and their roles.
        people: list[_Person] = []
        roles: list[tuple[int, int, str]] = []  # (person index, unit id, role)
        unit_officer: dict[int, int] = {}  # unit id -> person index of the officer who holds its assigned tasks
        unit_drafter: dict[int, int] = {}

        def person(username: str, name: str) -> int:
            people.append(_Person(username, name))
            return len(people) - 1

        def staff(unit_id: int, prefix: str, label: str, *, officers: int = 1) -> None:
            for role in (Membership.Role.LEADER, Membership.Role.CLERK, Membership.Role.DRAFTER):
                who = person(f"{prefix}-{role}", f"{Membership.Role(role).label} {label}")
                roles.append((who, unit_id, role))
                if role == Membership.Role.DRAFTER:
                    unit_drafter[unit_id] = who
            for n in range(officers):
                who = person(f"{prefix}-officer{n or ''}", f"Cán bộ tiếp nhận {label}")
                roles.append((who, unit_id, Membership.Role.OFFICER))
                unit_officer.setdefault(unit_id, who)

        for key, role in ((ISSUER_LEADER, "leader"), (ISSUER_CLERK, "clerk"), (ISSUER_DRAFTER, "drafter")):
            roles.append((person(key, f"{Membership.Role(role).label} UBTW MTTQ"), central, role))
        unit_drafter[central] = len(people) - 1
        roles.append((person("bench-tw-officer", "Cán bộ tiếp nhận UBTW MTTQ"), central, "officer"))
        for size, username in OFFICERS.items():
            who = person(username, f"Cán bộ tiếp nhận ({size} đơn vị)")
            for x in OFFICER_COMMUNES[size]:
                roles.append((who, commune0 + x, Membership.Role.OFFICER))
                unit_officer[commune0 + x] = who
        for p in range(N_PROVINCES):
            staff(province0 + p, f"bench-tinh-{p:02d}", f"tỉnh {p + 1:02d}")
        for d in range(N_DISTRICTS):
            staff(district0 + d, f"bench-huyen-{d:03d}", f"huyện {d + 1:03d}")
        for x in range(N_COMMUNES):
            staff(commune0 + x, f"bench-xa-{x:04d}", f"xã {x + 1:04d}", officers=2)
        extra = 0
        while len(people) < N_PEOPLE:  # officers who also serve a neighbouring commune
            who = person(f"bench-extra-{extra:04d}", f"Cán bộ kiêm nhiệm {extra + 1:04d}")
            for x in ((extra * 7) % N_COMMUNES, (extra * 7 + 1) % N_COMMUNES):
                roles.append((who, commune0 + x, Membership.Role.OFFICER))
            extra += 1

        user0 = _reserve(c, "auth_user", len(people))
        with step(f"{len(people):,} people, {len(roles):,} roles (COPY)"):
            with c.copy(
                "COPY auth_user (id, password, last_login, is_superuser, username, first_name, last_name, email,"
                " is_staff, is_active, date_joined) FROM STDIN"
            ) as copy:
                for i, who in enumerate(people):
                    copy.write_row(
                        (user0 + i, "!", None, False, who.username, who.name, "", f"{who.username}@bench.local",
                         False, True, "2020-01-01T00:00:00+07:00")
                    )  # fmt: skip
            m0 = _reserve(c, "documents_membership", len(roles))
            with c.copy("COPY documents_membership (id, role, title, user_id, unit_id) FROM STDIN") as copy:
                for i, (who, unit_id, role) in enumerate(roles):
                    copy.write_row((m0 + i, role, "", user0 + who, unit_id))
            grants = sorted(
                {
                    (user0 + who, perm_ids[perm.split(".", 1)[1]], unit_id)
                    for who, unit_id, role in roles
                    for perm in ROLE_PERMISSIONS[role]
                }
            )
            # guardian's direct table for units (documents.UnitUserObjectPermission, migration 0007).
            g0 = _reserve(c, "documents_unituserobjectpermission", len(grants))
            with c.copy(
                "COPY documents_unituserobjectpermission (id, content_object_id, permission_id, user_id) FROM STDIN"
            ) as copy:
                for i, (user_id, perm_id, unit_id) in enumerate(grants):
                    copy.write_row((g0 + i, unit_id, perm_id, user_id))

        # Who issues plan i, who drafted it, who holds an assigned task of a unit.
        c.execute("CREATE TEMP TABLE bench_issuer (n int PRIMARY KEY, unit_id bigint, drafter_id int) ON COMMIT DROP")
        with c.copy("COPY bench_issuer (n, unit_id, drafter_id) FROM STDIN") as copy:
            issuers = (
                [central] + [province0 + p for p in range(N_PROVINCES)] + [district0 + d for d in range(N_DISTRICTS)]
            )
            for n, unit_id in enumerate(issuers):
                copy.write_row((n, unit_id, user0 + unit_drafter[unit_id]))
        c.execute("CREATE TEMP TABLE bench_officer (unit_id bigint PRIMARY KEY, user_id int) ON COMMIT DROP")
        with c.copy("COPY bench_officer (unit_id, user_id) FROM STDIN") as copy:
            for x in range(N_COMMUNES):
                copy.write_row((commune0 + x, user0 + unit_officer[commune0 + x]))

        plan0 = _reserve(c, "documents_plan", N_PLANS)
        proc0 = _reserve(c, "viewflow_process", N_PLANS)
        rec0 = _reserve(c, "documents_recipient", N_TASKS)
        del0 = _reserve(c, "documents_delivery", N_TASKS)
        task0 = _reserve(c, "viewflow_task", N_TASKS)
        params = {
            "plan0": plan0, "proc0": proc0, "rec0": rec0, "del0": del0, "task0": task0,
            "n_plans": N_PLANS, "n_tasks": N_TASKS, "per_plan": RECIPIENTS_PER_PLAN, "open_from": OPEN_FROM_PLAN,
            "commune0": commune0, "n_communes": N_COMMUNES, "stride": COMMUNE_STRIDE,
            "n_provinces": N_PROVINCES, "n_districts": N_DISTRICTS, "unit_ct": unit_ct,
            "flow": FLOW_REF, "node": ACKNOWLEDGE_REF, "perm": RECEIVE,
        }  # fmt: skip
        # plan i: created every 25 minutes back from now (about 4.8 years); issuer: every 100th the
        # central committee, every 10th a province, else a district.
        with step(f"{N_PLANS:,} plans and processes (INSERT … SELECT)"):
            c.execute(
                """
                INSERT INTO documents_plan (id, doc_type, state, title, legal_basis, sections, body, source_text,
                    urgency, place, signer_title, signer_name, schedule_start, schedule_end, number, register_year,
                    number_symbol, issue_date, created_at, updated_at, drafter_id, issuer_id, confidentiality,
                    signer_authority, deadline_overrides, search_key)
                SELECT %(plan0)s + i, 'KH', CASE WHEN i >= %(open_from)s THEN 'in_execution' ELSE 'completed' END,
                    'Kế hoạch triển khai nhiệm vụ số ' || i, '[]', '[]', '', '', '', 'Hà Nội', '', '', NULL, NULL,
                    i + 1, extract(year FROM t)::int, (i + 1) || '/KH-MTTQ', t::date, t, t, b.drafter_id, b.unit_id,
                    '', '', '{}',
                    -- documents.selectors.plan_search_key of the title and the number (the issuer's and
                    -- recipients' names left out: the bench searches titles)
                    ' ke hoach trien khai nhiem vu so ' || i || ' ' || (i + 1) || ' kh mttq '
                FROM generate_series(0, %(n_plans)s - 1) AS i
                CROSS JOIN LATERAL (SELECT now() - (%(n_plans)s - i) * interval '25 minutes' AS t,
                    CASE WHEN i %% 100 = 0 THEN 0 WHEN i %% 10 = 0 THEN 1 + (i / 10) %% %(n_provinces)s
                         ELSE 1 + %(n_provinces)s + i %% %(n_districts)s END AS n) AS x
                JOIN bench_issuer b ON b.n = x.n
                """,
                params,
            )
            c.execute(
                """
                INSERT INTO viewflow_process (id, flow_class, status, created, finished, data)
                SELECT %(proc0)s + i, %(flow)s, CASE WHEN i >= %(open_from)s THEN 'NEW' ELSE 'DONE' END,
                    now() - (%(n_plans)s - i) * interval '25 minutes',
                    CASE WHEN i >= %(open_from)s THEN NULL
                         ELSE now() - (%(n_plans)s - i - 20) * interval '25 minutes' END,
                    '{}'
                FROM generate_series(0, %(n_plans)s - 1) AS i
                """,
                params,
            )
            c.execute(
                "INSERT INTO workflow_planprocess (process_ptr_id, plan_id)"
                " SELECT %(proc0)s + i, %(plan0)s + i FROM generate_series(0, %(n_plans)s - 1) AS i",
                params,
            )
        # Task n = plan i = n / 10, its k-th recipient = n % 10, unit = commune (i + k*330) % 3300.
        cte = """
            WITH s AS (
                SELECT n, n / %(per_plan)s AS i, n %% %(per_plan)s AS k,
                    %(commune0)s + ((n / %(per_plan)s + (n %% %(per_plan)s) * %(stride)s) %% %(n_communes)s) AS unit_id
                FROM generate_series(0, %(n_tasks)s - 1) AS n
            )
        """
        with step(f"{N_TASKS:,} recipients (INSERT … SELECT)"):
            c.execute(
                cte  # noqa: S608 (constants of this file)
                + """
                INSERT INTO documents_recipient (id, position, phrase, purpose, requires_report, needs_attention,
                    note, removed_at, plan_id, unit_id)
                SELECT %(rec0)s + s.n, s.k, u.name, 'implement', true, false, '', NULL, %(plan0)s + s.i, s.unit_id
                FROM s JOIN documents_unit u ON u.id = s.unit_id
                """,
                params,
            )
        with step(f"{N_TASKS:,} deliveries (INSERT … SELECT)"):
            c.execute(
                cte  # noqa: S608 (constants of this file)
                + """
                INSERT INTO documents_delivery (id, requires_report, state, sent_at, acknowledged_at, closed_at,
                    state_changed_at, acknowledged_by_id, plan_id, recipient_id, unit_id,
                    acknowledge_due_at, report_due_at, due_set_at)
                SELECT %(del0)s + s.n, true, CASE WHEN s.i >= %(open_from)s THEN 'sent' ELSE 'accepted' END,
                    t, CASE WHEN s.i >= %(open_from)s THEN NULL ELSE t + interval '2 hours' END,
                    CASE WHEN s.i >= %(open_from)s THEN NULL ELSE t + interval '5 days' END,
                    CASE WHEN s.i >= %(open_from)s THEN t ELSE t + interval '5 days' END,
                    CASE WHEN s.i >= %(open_from)s THEN NULL ELSE o.user_id END,
                    %(plan0)s + s.i, %(rec0)s + s.n, s.unit_id,
                    t + interval '8 hours', t + interval '30 days', t + interval '1 minute'
                FROM s JOIN bench_officer o ON o.unit_id = s.unit_id
                CROSS JOIN LATERAL
                    (SELECT now() - (%(n_plans)s - s.i) * interval '25 minutes' + interval '1 hour' AS t) x
                """,
                params,
            )
        # Open plans: the first recipient's task is ASSIGNED to the unit's officer (their inbox), the rest NEW.
        with step(f"{N_TASKS:,} acknowledge tasks (INSERT … SELECT)"):
            c.execute(
                cte  # noqa: S608 (constants of this file)
                + """
                INSERT INTO viewflow_task (id, flow_task, flow_task_type, status, created, assigned, started, finished,
                    token, owner_permission, owner_id, process_id, owner_permission_content_type_id,
                    owner_permission_obj_pk, data)
                SELECT %(task0)s + s.n, %(node)s, 'HUMAN',
                    CASE WHEN s.i < %(open_from)s THEN 'DONE' WHEN s.k = 0 THEN 'ASSIGNED' ELSE 'NEW' END,
                    t, CASE WHEN s.i < %(open_from)s OR s.k = 0 THEN t + interval '1 hour' END,
                    CASE WHEN s.i < %(open_from)s THEN t + interval '1 hour' END,
                    CASE WHEN s.i < %(open_from)s THEN t + interval '2 hours' END,
                    'start/' || (%(task0)s + s.n) || '_' || (%(del0)s + s.n), %(perm)s,
                    CASE WHEN s.i < %(open_from)s OR s.k = 0 THEN o.user_id END, %(proc0)s + s.i, %(unit_ct)s,
                    s.unit_id::text,
                    jsonb_build_object('delivery_id', %(del0)s + s.n, 'unit', u.name)
                FROM s JOIN bench_officer o ON o.unit_id = s.unit_id JOIN documents_unit u ON u.id = s.unit_id
                CROSS JOIN LATERAL
                    (SELECT now() - (%(n_plans)s - s.i) * interval '25 minutes' + interval '1 hour' AS t) x
                """,
                params,
            )
    with step("VACUUM ANALYZE"), connection.cursor() as c:
        for table in (
            "documents_unit", "auth_user", "documents_membership", "documents_unituserobjectpermission",
            "documents_plan", "viewflow_process", "workflow_planprocess", "documents_recipient", "documents_delivery",
            "viewflow_task",
        ):  # fmt: skip
            c.execute(f"VACUUM ANALYZE {table}")
    return {
        "central_unit": central,
        "first_commune": commune0,
        "people": len(people),
        "roles": len(roles),
        "guardian_rows": len(grants),
        "timings": timings,
    }


# --- who is who -------------------------------------------------------------------------


def page_getter(url: str, username: str, wrapper: Callable | None = None) -> Callable[[], object]:
    """A function that GETs `url` as `username` (logged in once, session warm), checking 200.

    `wrapper`, when given, is a context manager factory each request runs inside (e.g. to swap
    in viewflow's own views). The function's `sizes` lists the bytes of every response.
    """
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user(username))
    sizes: list[int] = []

    def get():
        with wrapper() if wrapper is not None else contextlib.nullcontext():
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        sizes.append(len(response.content))
        return response

    get.sizes = sizes
    get()  # the session, the caches: what every later visit finds
    return get


def user(username: str):
    """A bench person by username (a fresh instance: no permission caches carried over)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def issuer():
    from documents.models import Unit

    return Unit.objects.get(code=ISSUER_CODE)


def communes(count: int | None = None, *, offset: int = 0):
    """Commune units in id order (the 3,300 of the data set)."""
    from documents.models import Unit

    qs = Unit.objects.filter(code__startswith="bench-xa-").order_by("id")
    return list(qs[offset : offset + count] if count is not None else qs)


def board_plan():
    """The plan sent to all 3,300 communes whose board `bench/board.py` measures (built once).

    Sent through the real flow (start, submit, approve, register, dispatch as the central
    committee's people), then moved on in bulk as if a few days had passed (seeded random): 40% of
    the communes acknowledged (their report task open), 18% reported (the issuer's review task
    open), 2% had their report accepted, 2% refused, the rest (38%) not yet acknowledged. Each
    step has its audit record, chained as `documents.services._event` does.
    """
    from documents.models import Plan

    plan = Plan.objects.filter(issuer__code=ISSUER_CODE, title=BOARD_TITLE).first()
    if plan is None:
        print("bench: building the board plan (3,300 recipients)…", flush=True)
        started = time.perf_counter()
        plan = _build_board_plan()
        print(f"bench: board plan built in {time.perf_counter() - started:.0f} s", flush=True)
    _write_due_times()
    return plan


def _write_due_times() -> None:
    """Give every delivery its due times as the beat's sweep does a minute after dispatch."""
    from django.utils import timezone

    from notifications.calendar import WorkingCalendar
    from notifications.reminders import Policies
    from notifications.services.sweep import delivery_due_times_set

    calendar, policies = WorkingCalendar(), Policies()
    while delivery_due_times_set(now=timezone.now(), calendar=calendar, policies=policies):
        pass


BOARD_TITLE = "Kế hoạch tổng kết công tác Mặt trận toàn quốc (bench: bảng theo dõi 3.300 đơn vị)"


def registered_plan(*, title: str, units: Iterable) -> object:
    """A plan of the central committee addressed to `units`, moved by its people up to registration."""
    from documents.models import Plan, Purpose, Recipient
    from workflow import services as flow
    from workflow.flows import PlanFlow

    central = issuer()
    plan = Plan.objects.create(issuer=central, drafter=user(ISSUER_DRAFTER), title=title)
    Recipient.objects.bulk_create(
        Recipient(plan=plan, position=i, phrase=u.name, unit=u, purpose=Purpose.IMPLEMENT, requires_report=True)
        for i, u in enumerate(units)
    )
    flow.plan_start(plan=plan)
    for node, username, action, data in (
        ("submit", ISSUER_DRAFTER, "submit", {}),
        ("approve", ISSUER_LEADER, "decide", {"decision": "approve"}),
        ("register", ISSUER_CLERK, "register", {}),
    ):
        actor = user(username)
        task = flow.open_task(plan=plan, node=getattr(PlanFlow, node))
        with flow.task_activation(task_id=task.pk, actor=actor) as activation:
            getattr(flow, action)(activation=activation, actor=actor, **data)
    plan.refresh_from_db()
    return plan


def dispatch(plan) -> None:
    """Dispatch `plan` as the central committee's clerk, through `workflow.services.dispatch`."""
    from workflow import services as flow
    from workflow.flows import PlanFlow

    clerk = user(ISSUER_CLERK)
    task = flow.open_task(plan=plan, node=PlanFlow.dispatch)
    with flow.task_activation(task_id=task.pk, actor=clerk) as activation:
        flow.dispatch(activation=activation, actor=clerk)


def _build_board_plan():
    import datetime as dt
    import random

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from viewflow.workflow.status import STATUS
    from viewflow.workflow.token import Token

    from documents import audit
    from documents.models import AuditHead, Delivery, PlanEvent, Report, Unit
    from documents.permissions import UnitPermission
    from workflow.flows import PlanFlow

    rng = random.Random(7)
    with transaction.atomic():
        plan = registered_plan(title=BOARD_TITLE, units=communes())
        dispatch(plan)
        deliveries = list(plan.deliveries.select_related("unit").order_by("id"))
        officers = dict(
            connection.cursor()
            .execute(
                "SELECT m.unit_id, min(m.user_id) FROM documents_membership m JOIN documents_unit u ON u.id = m.unit_id"
                " WHERE u.code LIKE 'bench-xa-%%' AND m.role = 'officer' GROUP BY m.unit_id"
            )
            .fetchall()
        )
        leader = user(ISSUER_LEADER)
        base = timezone.now() - dt.timedelta(days=3)
        plan.deliveries.update(sent_at=base - dt.timedelta(hours=1))  # sent three days ago, as the steps below
        head = AuditHead.objects.select_for_update().get(pk=1)
        events: list[PlanEvent] = []
        reports: list[Report] = []
        moved: dict[str, list[int]] = {"acknowledged": [], "reported": [], "accepted": [], "refused": []}

        def event(delivery, action, actor_id, from_state, to_state, at, comment=""):
            ev = PlanEvent(
                plan=plan, delivery=delivery, actor_id=actor_id, action=action, from_state=from_state,
                to_state=to_state, comment=comment, data={}, created_at=at,
                sequence=head.last_sequence + 1, prev_hash=head.last_hash,
            )  # fmt: skip
            ev.hash = audit.link_hash(ev.prev_hash, ev)
            head.last_sequence, head.last_hash = ev.sequence, ev.hash
            events.append(ev)

        for n, d in enumerate(deliveries):
            roll = rng.random()
            officer = officers[d.unit_id]
            at = base + dt.timedelta(minutes=n)
            if roll < 0.02:
                event(d, PlanEvent.Action.REFUSE, officer, "sent", "refused", at, "Gửi nhầm đơn vị")
                moved["refused"].append(d.pk)
            elif roll < 0.62:
                event(d, PlanEvent.Action.ACKNOWLEDGE, officer, "sent", "acknowledged", at)
                if roll < 0.22:
                    later = at + dt.timedelta(days=1)
                    event(d, PlanEvent.Action.REPORT, officer, "acknowledged", "reported", later)
                    text = f"Báo cáo kết quả của {d.unit.name}"
                    reports.append(Report(delivery=d, text=text, submitted_by_id=officer, submitted_at=later))
                    if roll < 0.04:
                        accepted_at = later + dt.timedelta(hours=3)
                        event(d, PlanEvent.Action.ACCEPT_REPORT, leader.pk, "reported", "accepted", accepted_at)
                        moved["accepted"].append(d.pk)
                    else:
                        moved["reported"].append(d.pk)
                else:
                    moved["acknowledged"].append(d.pk)
        PlanEvent.objects.bulk_create(events, batch_size=2000)
        head.save(update_fields=["last_sequence", "last_hash"])
        for r in Report.objects.bulk_create(reports):
            if r.delivery_id in moved["accepted"]:
                r.decision, r.reviewed_by_id, r.reviewed_at = Report.Decision.ACCEPTED, leader.pk, r.submitted_at
        Report.objects.filter(delivery_id__in=moved["accepted"]).update(
            decision=Report.Decision.ACCEPTED, reviewed_by_id=leader.pk, reviewed_at=base
        )
        now = timezone.now()
        for state in ("acknowledged", "reported", "accepted", "refused"):
            Delivery.objects.filter(pk__in=moved[state]).update(
                state=state, state_changed_at=now, acknowledged_at=None if state == "refused" else base,
                closed_at=now if state in ("accepted", "refused") else None,
            )  # fmt: skip
        # Tasks: the acknowledge task of every unit that moved is done; units that acknowledged
        # have their report task open, units that reported have the issuer's review task open.
        ack_done = moved["acknowledged"] + moved["reported"] + moved["accepted"] + moved["refused"]
        tasks = PlanFlow.task_class.objects.filter(process__planprocess__plan=plan, flow_task=PlanFlow.acknowledge)
        tasks.filter(data__delivery_id__in=ack_done).update(status=STATUS.DONE, finished=now, started=base)
        unit_ct = ContentType.objects.get_for_model(Unit)
        proto = tasks.first()
        by_id = {d.pk: d for d in deliveries}
        new_tasks = [
            PlanFlow.task_class(
                process_id=proto.process_id,
                flow_task=node,
                flow_task_type="HUMAN",
                status=STATUS.NEW,
                token=Token(f"{proto.token.token.rsplit('_', 1)[0]}_{delivery_id}"),
                data={"delivery_id": delivery_id, "unit": by_id[delivery_id].unit.name},
                owner_permission=perm,
                owner_permission_content_type=unit_ct,
                owner_permission_obj_pk=str(unit_id(delivery_id)),
                created=now,
            )
            for node, perm, unit_id, ids in (
                (PlanFlow.report, UnitPermission.RECEIVE, lambda i: by_id[i].unit_id, moved["acknowledged"]),
                (PlanFlow.review, UnitPermission.REVIEW, lambda i: plan.issuer_id, moved["reported"]),
            )
            for delivery_id in ids
        ]
        PlanFlow.task_class.objects.bulk_create(new_tasks, batch_size=2000)
    with connection.cursor() as c:
        for table in ("documents_delivery", "documents_planevent", "viewflow_task", "documents_report"):
            c.execute(f"ANALYZE {table}")
    return plan


# --- measuring --------------------------------------------------------------------------


@dataclass
class Stats:
    """Timings in milliseconds of one measured thing, with its statement count."""

    name: str
    ms: list[float]
    statements: int | None = None
    note: str = ""
    cpu_ms: list[float] | None = None  # this process's CPU time per call (`alternate`), load-independent

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def line(self, width: int = 58) -> str:
        statements = "" if self.statements is None else f"{self.statements:>7,}"
        return (
            f"{self.name[:width]:{width}} {self.median:9.1f} {min(self.ms):9.1f} {max(self.ms):9.1f}"
            f" {self.p95:9.1f} {statements:>7}"
            + (f" {statistics.median(self.cpu_ms):7.1f}" if self.cpu_ms else "")
            + f" {self.note}"
        )


def header(width: int = 58) -> str:
    return f"{'':{width}} {'median':>9} {'min':>9} {'max':>9} {'p95':>9} {'stmts':>7}  (ms)"


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(milliseconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t0) * 1000, result


def alternate(
    variants: Sequence[tuple[str, Callable[[], object]]], runs: int, *, budget_seconds: float = 20.0
) -> dict[str, Stats]:
    """Time each variant `runs` times, taking turns (a, b, c, a, b, c, …), with its statement count.

    Taking turns spreads the machine's load (other processes, caches, autovacuum) over every
    variant alike; this process's CPU time is kept beside the wall time (`Stats.cpu_ms`: what
    the Python side costs whatever the load, the database's own time not included). One call
    of each, counted, comes first (also a warm-up). A variant slower
    than `budget_seconds` in all stops after 3 calls (its `note` says how many it got).
    """
    stats: dict[str, Stats] = {}
    for name, fn in variants:
        n, _, _ = count_statements(fn)
        stats[name] = Stats(name, [], n, cpu_ms=[])
    spent = dict.fromkeys(stats, 0.0)
    for _ in range(runs):
        for name, fn in variants:
            if len(stats[name].ms) >= 3 and spent[name] > budget_seconds:
                continue
            cpu = time.process_time()
            ms, _ = timed(fn)
            stats[name].cpu_ms.append((time.process_time() - cpu) * 1000)
            stats[name].ms.append(ms)
            spent[name] += ms / 1000
    for stat in stats.values():
        if len(stat.ms) < runs:
            stat.note = f"n={len(stat.ms)} (time budget)"
    return stats


def count_statements(fn: Callable[[], object]) -> tuple[int, object, list[str]]:
    """(statements, result, SQL texts) of one call.

    Django's CaptureQueriesContext counts them; its log keeps the last 9,000 only, so an execute
    wrapper counts too and its count is used past that (the obvious dispatch issues ~10,000).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    connection.queries_log.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Limit for query logging exceeded"
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(wrapper):
            result = fn()
    if len(seen) < connection.queries_limit:
        # Django's count (what django_assert_num_queries sees) includes BEGIN/COMMIT/ROLLBACK of
        # atomic blocks, which the execute wrapper does not see.
        return len(ctx.captured_queries), result, [q["sql"] for q in ctx.captured_queries]
    return len(seen), result, seen


def flush_deferred_checks() -> None:
    """Run the deferred foreign-key checks now, as COMMIT would (the benches roll back instead)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")


def explain(sql: str, params: Sequence | None = None) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as text."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in c.fetchall())


def machine() -> str:
    import platform

    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        version = c.fetchone()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores (load average {load}), Python {platform.python_version()}, PostgreSQL {version}"


def describe(info: dict) -> str:
    facts = info["facts"]
    return (
        f"data set {DATASET}: {N_COMMUNES:,} communes, {facts['people']:,} people, {facts['roles']:,} roles,"
        f" {facts['guardian_rows']:,} guardian rows, {N_PLANS:,} plans, {N_TASKS:,} tasks"
        f" (built in {info['seconds']:.0f} s on {info['built_at']:%Y-%m-%d})"
    )


def main(argv: list[str]) -> int:
    setup()
    info = ensure_dataset(rebuild="--rebuild" in argv)
    print(describe(info))
    print(f"machine: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
