"""Inbox, queue and plan list of an officer in 1, 50 and 100 units (issue 7, second target).

    .venv/bin/python bench/queue.py [--runs N] [--requests N]      (or: make bench)

Over the national data set (bench/_common.py: 100,000 plans, 3,300 communes, 20,000 people,
1,000,000 tasks), for `bench-officer-1`, `-50` and `-100` (the receiving role in 1, 50, 100 communes):

  queries, as the pages run them (a fresh user object each time, as in a request):
    viewflow queue   `Task.objects.user_queue(user, PlanFlow)` as FlowQueueListView builds it
                     (NEW tasks, newest first): the count and the first page of 25;
    viewflow inbox   FlowInboxListView's queryset (ASSIGNED to the person): count and first page;
    plan list        `documents.selectors.plan_list_for_user(user=…)`: the newest 200;
    hand-written     the same three questions in SQL: unit ids first (one statement), then
                     `status = 'NEW' AND flow_task = ANY(the flow's human nodes) AND
                     owner_permission = 'documents.receive_for_unit' AND owner_permission_obj_pk
                     = ANY(unit ids as text)` (count; the page joins the 25 tasks' processes and
                     plans, which the page shows), the
                     inbox by owner and status, the plans delivered to those units or issued by them;
  whole pages through the Django test client (`plan:queue`, `plan:inbox`, `plans:list`),
  median and p95 over --requests requests each.

Two configurations, measured in the same run:
  as is     the code and schema of the repository, the server's settings (PostgreSQL's default
            jit = on);
  proposed  inside a transaction that is rolled back: the indexes proposed in docs/performance.md,
            `SET LOCAL jit = off`, and the code changes proposed there applied by monkeypatching
            (our queue query instead of viewflow's, the task lists' summaries preloaded).
Target (issue 7): the queries within 2x of the hand-written indexed query, statements that do not
grow with the data or the units a person holds, whole pages under 100 ms at the 95th percentile.
"""

from __future__ import annotations

import os
import sys

if __name__ == "queue":
    # `python bench/<any>.py` puts bench/ first on sys.path, so an `import queue` anywhere (celery,
    # kombu, concurrent.futures…) lands on this file: hand back the standard library's module.
    import importlib.util
    import sysconfig

    _spec = importlib.util.spec_from_file_location("queue", os.path.join(sysconfig.get_path("stdlib"), "queue.py"))
    _stdlib_queue = importlib.util.module_from_spec(_spec)
    sys.modules["queue"] = _stdlib_queue
    _spec.loader.exec_module(_stdlib_queue)
else:
    import _common as bench

import time
from collections.abc import Callable
from contextlib import contextmanager

PAGE = 25
PLAN_LIST = 200
TARGET_RATIO = 2.0
TARGET_PAGE_P95_MS = 100.0

# The indexes proposed for the queue, the inbox and the plan list (docs/performance.md).
PROPOSED_INDEXES = (
    # The queue: open tasks by the permission that lets a person take them. Partial: NEW tasks
    # only (3% of the table here), so it stays small however many tasks are done.
    "CREATE INDEX bench_task_queue ON viewflow_task (owner_permission, owner_permission_obj_pk) WHERE status = 'NEW'",
    # The inbox (owner and status): viewflow's owner_id index alone also walks every DONE task.
    "CREATE INDEX bench_task_owner_status ON viewflow_task (owner_id, status)",
    # The plan list: newest first, and "plans delivered to my units" answered from the index alone.
    "CREATE INDEX bench_plan_created ON documents_plan (created_at)",
    "CREATE INDEX bench_delivery_unit_plan ON documents_delivery (unit_id, plan_id)",
)


# --- the queries -----------------------------------------------------------------------------


def viewflow_queue(user) -> tuple[int, list]:
    from viewflow.workflow.status import STATUS

    from workflow.flows import PlanFlow

    qs = (
        PlanFlow.task_class._default_manager.all()
        .select_related("process")
        .user_queue(user, flow_class=PlanFlow)
        .filter(status=STATUS.NEW)
        .order_by("-created")
    )
    return qs.count(), list(qs[:PAGE])


def viewflow_inbox(user) -> tuple[int, list]:
    from viewflow.workflow.status import STATUS

    from workflow.flows import PlanFlow

    qs = (
        PlanFlow.task_class._default_manager.all()
        .select_related("process")
        .filter(process__flow_class=PlanFlow, owner=user, status=STATUS.ASSIGNED)
        .order_by("-created")
    )
    return qs.count(), list(qs[:PAGE])


_REPOSITORY: dict[str, Callable] = {}  # the repository's functions that proposed_code() replaces


def plan_list(user) -> list:
    from documents import selectors

    plan_list_for_user = _REPOSITORY.get("plan_list_for_user", selectors.plan_list_for_user)
    return list(plan_list_for_user(user=user)[:PLAN_LIST])


def proposed_queue(user) -> tuple[int, list]:

    from workflow.flows import PlanFlow

    qs = (
        bench.task_queue_for_user(user=user, flow_class=PlanFlow)
        .select_related("process__planprocess__plan")
        .order_by("-created")
    )
    return qs.count(), list(qs[:PAGE])


def plan_list_for_user_unit_ids_first(*, user):
    """PROPOSED (documents/selectors.py): `plan_list_for_user` with the person's unit ids read first.

    Literal ids let PostgreSQL estimate how many deliveries match (one unit or a hundred) and
    pick the plan for it: walk the plans newest first and probe a hashed set of plan ids, or
    collect the few plans and sort them. The subquery form hides that number from the planner.
    """
    from django.db.models import Exists, OuterRef, Q

    from documents.models import Delivery, Plan
    from documents.selectors import unit_ids_of

    if not user.is_authenticated:
        return Plan.objects.none()
    my_units = list(unit_ids_of(user).values_list("unit_id", flat=True).distinct())
    issued = Q(issuer_id__in=my_units) & (~Q(state=Plan.State.DRAFT) | Q(drafter_id=user.pk))
    received = Exists(Delivery.objects.filter(plan_id=OuterRef("pk"), unit_id__in=my_units))
    return Plan.objects.filter(issued | Q(received)).select_related("issuer", "drafter").order_by("-created_at")


def proposed_plan_list(user) -> list:
    return list(plan_list_for_user_unit_ids_first(user=user)[:PLAN_LIST])


def _unit_ids(user) -> list[int]:
    from documents.models import Membership

    return list(Membership.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).distinct())


def _human_nodes() -> list[str]:
    from viewflow.workflow.fields import get_task_ref

    from workflow.flows import PlanFlow

    return [get_task_ref(node) for node in PlanFlow.instance.nodes() if node.task_type == "HUMAN"]


HAND_QUEUE_COUNT_SQL = (
    "SELECT count(*) FROM viewflow_task t WHERE t.status = 'NEW' AND t.flow_task = ANY(%s)"
    " AND t.owner_permission = %s AND t.owner_permission_obj_pk = ANY(%s)"
)
# The page shows each task's plan (number and title): the rows come with their process and plan.
HAND_QUEUE_SQL = (
    "SELECT t.*, p.*, pl.* FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id"
    " JOIN workflow_planprocess pp ON pp.process_ptr_id = p.id JOIN documents_plan pl ON pl.id = pp.plan_id"
    " WHERE t.status = 'NEW' AND t.flow_task = ANY(%s)"
    " AND t.owner_permission = %s AND t.owner_permission_obj_pk = ANY(%s) ORDER BY t.created DESC LIMIT 25"
)


def hand_queue(user) -> tuple[int, list]:
    """The NEW tasks of the flow's human nodes on the person's units; the page joins processes and plans."""
    from django.db import connection

    params = [_human_nodes(), bench.RECEIVE, [str(pk) for pk in _unit_ids(user)]]
    with connection.cursor() as c:
        c.execute(HAND_QUEUE_COUNT_SQL, params)
        count = c.fetchone()[0]
        c.execute(HAND_QUEUE_SQL, params)
        return count, c.fetchall()


def hand_inbox(user) -> tuple[int, list]:
    from django.db import connection

    where = (
        "FROM viewflow_task t JOIN viewflow_process p ON p.id = t.process_id"
        " WHERE t.owner_id = %s AND t.status = 'ASSIGNED' AND p.flow_class = %s"
    )
    with connection.cursor() as c:
        c.execute("SELECT count(*) " + where, [user.pk, bench.FLOW_REF])
        count = c.fetchone()[0]
        c.execute("SELECT t.*, p.* " + where + " ORDER BY t.created DESC LIMIT %s", [user.pk, bench.FLOW_REF, PAGE])
        return count, c.fetchall()


HAND_PLAN_SQL = """
    SELECT p.*, u.*, d.* FROM documents_plan p
    JOIN documents_unit u ON u.id = p.issuer_id JOIN auth_user d ON d.id = p.drafter_id
    WHERE (p.issuer_id = ANY(%(units)s) AND (p.state <> 'draft' OR p.drafter_id = %(user)s))
       OR p.id IN (SELECT plan_id FROM documents_delivery WHERE unit_id = ANY(%(units)s))
    ORDER BY p.created_at DESC LIMIT %(limit)s
"""


def hand_plan_list(user) -> list:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(HAND_PLAN_SQL, {"units": _unit_ids(user), "user": user.pk, "limit": PLAN_LIST})
        return c.fetchall()


# --- the proposed code, applied by monkeypatching ---------------------------------------------


def task_list_filter():
    """PROPOSED (workflow/views.py): viewflow's task list filter without its "process" choice.

    viewflow's `FlowUserTaskListFilter` offers every process that has a task in the list as a
    choice, drawn into the page as JSON: 881 processes, 224 KB of a 248 KB queue page for an
    officer of 100 units. What remains: the task kind and the creation date.
    """
    from django_filters import ChoiceFilter, DateRangeFilter, FilterSet
    from viewflow.workflow.flow.views.filters import get_queryset_flow_task_choices
    from viewflow.workflow.models import Task

    class PlanTaskListFilter(FilterSet):
        flow_task = ChoiceFilter()
        created = DateRangeFilter()

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.filters["flow_task"].field.choices = get_queryset_flow_task_choices(self.queryset)

        class Meta:
            model = Task
            fields = ("flow_task", "created")

    return PlanTaskListFilter


@contextmanager
def proposed_code():
    """Our queue query in viewflow's queue page and menu counts, summaries preloaded and no
    process choice in both task lists, the plan list with unit ids read first."""
    from viewflow.utils import viewprop
    from viewflow.workflow.flow.views import list as flow_lists
    from viewflow.workflow.status import STATUS

    from workflow.views import PlanFlowViewset

    def queue_queryset(self):
        return (
            bench.task_queue_for_user(user=self.request.user, flow_class=self.flow_class)
            .select_related("process__planprocess__plan")
            .order_by("-created")
        )

    def inbox_queryset(self):
        return (
            self.model._default_manager.select_related("process__planprocess__plan")
            .filter(process__flow_class=self.flow_class, owner=self.request.user, status=STATUS.ASSIGNED)
            .order_by("-created")
        )

    def menu_counts(self, request):
        tasks = self._flow_class.task_class._default_manager
        return {
            "user_inbox": tasks.filter(
                process__flow_class=self._flow_class, owner=request.user, status=STATUS.ASSIGNED
            ),
            "user_queue": bench.task_queue_for_user(user=request.user, flow_class=self._flow_class),
        }

    from documents import selectors

    saved_selector = _REPOSITORY["plan_list_for_user"] = selectors.plan_list_for_user
    selectors.plan_list_for_user = plan_list_for_user_unit_ids_first
    saved = (
        flow_lists.FlowQueueListView.__dict__["queryset"],
        flow_lists.FlowInboxListView.__dict__["queryset"],
        PlanFlowViewset.__dict__.get("get_context_data"),
        flow_lists.FlowQueueListView.filterset_class,
        flow_lists.FlowInboxListView.filterset_class,
    )
    flow_lists.FlowQueueListView.filterset_class = task_list_filter()
    flow_lists.FlowInboxListView.filterset_class = task_list_filter()
    queue_queryset.__name__ = inbox_queryset.__name__ = "queryset"
    flow_lists.FlowQueueListView.queryset = viewprop(queue_queryset)
    flow_lists.FlowInboxListView.queryset = viewprop(inbox_queryset)
    PlanFlowViewset.get_context_data = menu_counts
    try:
        yield
    finally:
        selectors.plan_list_for_user = saved_selector
        del _REPOSITORY["plan_list_for_user"]
        flow_lists.FlowQueueListView.queryset, flow_lists.FlowInboxListView.queryset = saved[:2]
        flow_lists.FlowQueueListView.filterset_class, flow_lists.FlowInboxListView.filterset_class = saved[3:]
        if saved[2] is None:
            del PlanFlowViewset.get_context_data
        else:
            PlanFlowViewset.get_context_data = saved[2]


# --- measuring --------------------------------------------------------------------------------


BUDGET_SECONDS = 5.0  # per measured thing: a slow page gets fewer requests (printed as n=…)


def measure_query(name: str, fn: Callable, username: str, runs: int) -> bench.Stats:
    n, _, _ = bench.count_statements(lambda: fn(bench.user(username)))
    ms: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(ms) < runs and (len(ms) < 3 or time.perf_counter() < deadline):
        person = bench.user(username)  # a request's user: no permission cache carried over
        t0 = time.perf_counter()
        fn(person)
        ms.append((time.perf_counter() - t0) * 1000)
    return bench.Stats(name, ms, n)


def measure_page(url: str, username: str, requests: int) -> bench.Stats:
    """Median and p95 of `requests` GETs (fewer when over the time budget: at least 2), after one warm-up."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(bench.user(username))
    response = client.get(url)  # session, caches: what every later visit finds
    assert response.status_code == 200, (url, response.status_code)
    t0 = time.perf_counter()
    n, response, _ = bench.count_statements(lambda: client.get(url))
    ms = [(time.perf_counter() - t0) * 1000]
    deadline = time.perf_counter() + BUDGET_SECONDS
    while len(ms) < requests and (len(ms) < 2 or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        client.get(url)
        ms.append((time.perf_counter() - t0) * 1000)
    note = "" if len(ms) == requests else f"n={len(ms)} (time budget)"
    return bench.Stats(f"page {url} ({len(response.content) // 1024} KB)", ms, n, note)


QUERIES: tuple[tuple[str, Callable], ...] = (
    ("viewflow queue (user_queue)", viewflow_queue),
    ("viewflow inbox", viewflow_inbox),
    ("plan list (plan_list_for_user)", plan_list),
    ("hand-written queue", hand_queue),
    ("hand-written inbox", hand_inbox),
    ("hand-written plan list", hand_plan_list),
)


def run_configuration(label: str, runs: int, requests: int, *, proposed: bool) -> dict:
    from django.urls import reverse

    results: dict[tuple[str, int], bench.Stats] = {}
    queries = list(QUERIES)
    if proposed:
        queries += [
            ("proposed queue (task_queue_for_user)", proposed_queue),
            ("proposed plan list (unit ids first)", proposed_plan_list),
        ]
    print(f"\n== {label} ==")
    print(bench.header(46))
    for size, username in bench.OFFICERS.items():
        print(f"-- {username} (receiving role in {size} unit{'s' if size > 1 else ''})")
        for name, fn in queries:
            stats = measure_query(name, fn, username, runs)
            results[(name, size)] = stats
            print(stats.line(46))
        for url in (reverse("plan:queue"), reverse("plan:inbox"), reverse("plans:list")):
            stats = measure_page(url, username, requests)
            results[(url, size)] = stats
            print(stats.line(46))
        if proposed:
            with choices_from_own_units():
                stats = measure_page(reverse("plans:list"), username, requests)
            stats.name = stats.name.replace("page", "page (filter choices: own units only)", 1)
            results[("plans, own-unit choices", size)] = stats
            print(stats.line(46))
    return results


@contextmanager
def choices_from_own_units():
    """A BOUND, not a design: the plan list page with its filter choices taken from the person's units.

    `documents.selectors.plan_filter_choices` reads every issuing unit, every recipient unit
    and every year of all the plans the person may see (30,300 plans and 303,000 recipient rows
    for an officer of 100 communes; a select of ~3,000 units in the page). This measures the
    page without that cost, to size what a cheaper design (choices from the person's units, a
    cached list, or a unit search box) would give.
    """
    from django.utils import timezone

    from documents import selectors
    from documents.models import Unit

    def own_units(*, user):
        units = list(Unit.objects.filter(pk__in=selectors.unit_ids_of(user)).order_by("name"))
        year = timezone.localdate().year
        return selectors.PlanFilterChoices(issuers=units, recipient_units=units, years=list(range(year, year - 6, -1)))

    saved = selectors.plan_filter_choices
    selectors.plan_filter_choices = own_units
    try:
        yield
    finally:
        selectors.plan_filter_choices = saved


def main(argv: list[str]) -> int:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 15
    requests = int(argv[argv.index("--requests") + 1]) if "--requests" in argv else 50
    bench.setup()
    started = time.perf_counter()
    info = bench.ensure_dataset()
    print(bench.describe(info))
    print(f"machine: {bench.machine()}; queries: median of {runs}; pages: {requests} requests each")

    from django.db import connection, transaction
    from django.urls import reverse

    check_same_answers()
    as_is = run_configuration(
        "as is (repository code and schema, server defaults: jit on)", runs, requests, proposed=False
    )
    jit_effect(runs)
    with transaction.atomic():
        t0 = time.perf_counter()
        with connection.cursor() as c:
            for sql in PROPOSED_INDEXES:
                c.execute(sql)
            c.execute("ANALYZE viewflow_task")
            c.execute("ANALYZE documents_delivery")
            c.execute("SET LOCAL jit = off")
        built = time.perf_counter() - t0
        print(f"\n(proposed indexes built in {built:.1f} s, inside a transaction rolled back at the end)")
        with proposed_code():
            proposed = run_configuration("proposed (indexes, jit off, our queue query)", runs, requests, proposed=True)
        officer = bench.user(bench.OFFICERS[100])
        units = [str(pk) for pk in _unit_ids(officer)]
        print("\nEXPLAIN ANALYZE of the hand-written queue (count, page), officer in 100 units, proposed index:")
        print(bench.explain(HAND_QUEUE_COUNT_SQL, [_human_nodes(), bench.RECEIVE, units]))
        print(bench.explain(HAND_QUEUE_SQL, [_human_nodes(), bench.RECEIVE, units]))
        sql, params = _proposed_sql(officer)
        print("\nEXPLAIN ANALYZE of the proposed queue (count, page), officer in 100 units:")
        count_sql, count_params = _proposed_count_sql(officer)
        print(bench.explain(count_sql, count_params))
        print(bench.explain(sql, params))
        transaction.set_rollback(True)

    print("\n== summary ==")
    queue, inbox, plans = reverse("plan:queue"), reverse("plan:inbox"), reverse("plans:list")
    sizes = list(bench.OFFICERS)
    for title, results in (("as is", as_is), ("proposed", proposed)):
        print(
            f"-- {title}: ratio to the hand-written query with the proposed indexes (median), statements 1/50/100 units"
        )
        pairs = [
            ("viewflow queue (user_queue)", "hand-written queue"),
            ("viewflow inbox", "hand-written inbox"),
            ("plan list (plan_list_for_user)", "hand-written plan list"),
        ]
        if title == "proposed":
            pairs.append(("proposed queue (task_queue_for_user)", "hand-written queue"))
            pairs.append(("proposed plan list (unit ids first)", "hand-written plan list"))
        for ours, hand in pairs:
            ratios = " ".join(f"{results[(ours, s)].median / proposed[(hand, s)].median:6.1f}x" for s in sizes)
            stmts = "/".join(str(results[(ours, s)].statements) for s in sizes)
            print(f"   {ours:40} {ratios}   statements {stmts}")
        keys = [queue, inbox, plans] + (["plans, own-unit choices"] if title == "proposed" else [])
        for key in keys:
            p95 = " ".join(f"{results[(key, s)].p95:7.0f}" for s in sizes)
            stmts = "/".join(str(results[(key, s)].statements) for s in sizes)
            print(f"   page {key:35} p95 ms {p95}   statements {stmts}")
    print(f"bench time: {time.perf_counter() - started:.0f} s")
    return 0


def check_same_answers() -> None:
    """The hand-written and proposed queries answer what viewflow's and ours do (count and first page)."""
    from viewflow.workflow.status import STATUS

    from workflow.flows import PlanFlow

    for username in bench.OFFICERS.values():
        person = bench.user(username)
        count, _ = viewflow_queue(person)
        queue = PlanFlow.task_class.objects.user_queue(bench.user(username), flow_class=PlanFlow)
        queue = dict(queue.filter(status=STATUS.NEW).values_list("pk", "created"))
        newest = sorted(queue.values(), reverse=True)[:PAGE]
        for other in (hand_queue, proposed_queue):
            other_count, other_page = other(bench.user(username))
            assert other_count == count, (other.__name__, username, other_count, count)
            # Tasks of one plan share their creation time: compare the page by the times it shows.
            ids = [row.pk if hasattr(row, "pk") else row[0] for row in other_page]
            assert sorted((queue[pk] for pk in ids), reverse=True) == newest, (other.__name__, username)
        assert hand_inbox(person)[0] == viewflow_inbox(person)[0]
        plans = [plan.pk for plan in plan_list(person)]
        assert [row[0] for row in hand_plan_list(person)] == plans, username
        assert [plan.pk for plan in proposed_plan_list(person)] == plans, username
        print(f"{username}: queue {count} tasks, inbox {hand_inbox(person)[0]}, plan list {len(plans)} shown")
    print("same answers: viewflow's queue, the hand-written and the proposed queries agree (count and first page)")


def jit_effect(runs: int) -> None:
    """The plan list query with PostgreSQL's JIT on (the server default) and off, without new indexes."""
    from django.db import connection, transaction

    username = bench.OFFICERS[100]
    on = measure_query("plan list, 100 units, jit on", plan_list, username, runs)
    with transaction.atomic():
        with connection.cursor() as c:
            c.execute("SET LOCAL jit = off")
        off = measure_query("plan list, 100 units, jit off", plan_list, username, runs)
    print("\nJIT: the plan list query compiles itself on every call with jit on (its estimated cost is above")
    print("jit_above_cost); the same query, same schema:")
    print(on.line(46))
    print(off.line(46))


def _proposed_count_sql(user):
    from django.db.models import Count

    from workflow.flows import PlanFlow

    qs = bench.task_queue_for_user(user=user, flow_class=PlanFlow)
    return qs.values("flow_task_type").annotate(n=Count("id")).query.sql_with_params()


def _proposed_sql(user):

    from workflow.flows import PlanFlow

    qs = (
        bench.task_queue_for_user(user=user, flow_class=PlanFlow)
        .select_related("process__planprocess__plan")
        .order_by("-created")[:PAGE]
    )
    return qs.query.sql_with_params()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
