#!/usr/bin/env bash
# Run the whole pytest suite twice; fail if either run fails (called by `make test`).
#
#   (a) sqlite:   the embedded default: SQLite, no DATABASE_URL, a temporary
#                 PLANFLOW_VAR_DIR, Celery eager.
#   (b) postgres: PostgreSQL and Redis as the broker:
#                 DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/planflow}
#                 REDIS_URL=CELERY_BROKER_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
#                 Both servers must answer: a missing one FAILS the run, it is never skipped.
#
# Arguments go to both pytest runs: scripts/test.sh -k acknowledge  (make test ARGS="-k acknowledge").
# PLANFLOW_TEST_RUNS=sqlite (or postgres) runs one of the two only, for a quick local loop; the
# default, and CI, run both. pytest's exit 5 (no test collected) counts as a failure.
# Each run writes test-artifacts/<run>/ (or $PLANFLOW_ARTIFACTS_DIR/<run>/: junit.xml; tests may add files via PLANFLOW_TEST_ARTIFACTS).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
PY=${PLANFLOW_PYTHON:-$ROOT/.venv/bin/python}
ARTIFACTS=${PLANFLOW_ARTIFACTS_DIR:-$ROOT/test-artifacts}
RUN_TIMEOUT=${PLANFLOW_TEST_TIMEOUT:-1800}
RUNS=${PLANFLOW_TEST_RUNS:-sqlite postgres}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/planflow}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

if [[ ! -x $PY ]]; then
  echo "test.sh: $PY not found: run 'make test' (it creates .venv)" >&2
  exit 2
fi
if [[ -f $ROOT/.env ]]; then
  echo "test.sh: note: .env exists; settings read it for every variable the environment leaves unset" >&2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/planflow-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'echo "test.sh: interrupted" >&2; exit 130' INT TERM
mkdir -p "$ARTIFACTS"

declare -A RESULT   # run name -> one-line result
FAILED=0

# counts RUN: print "P passed, F failed, S skipped, X xfailed" from test-artifacts/RUN/junit.xml
# (errors count as failed; junit writes an expected failure as a skip of type pytest.xfail).
counts() {
  "$PY" - "$ARTIFACTS/$1/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("no junit.xml")
    raise SystemExit(0)
cases = list(root.iter("testcase"))
failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
skips = [c.find("skipped") for c in cases]
xfailed = sum(1 for s in skips if s is not None and s.get("type") == "pytest.xfail")
skipped = sum(1 for s in skips if s is not None) - xfailed
passed = len(cases) - failed - skipped - xfailed
print(f"{passed} passed, {failed} failed, {skipped} skipped, {xfailed} xfailed")
EOF
}

# run_pytest NAME [VAR=value ...] -- [pytest args...]: one run, its result recorded in RESULT[NAME].
run_pytest() {
  local name=$1; shift
  local -a assignments=()
  while [[ $1 != -- ]]; do assignments+=("$1"); shift; done
  shift
  local out=$ARTIFACTS/$name
  rm -rf "$out"; mkdir -p "$out"
  echo
  echo "=== test.sh: run ($name) ==="
  env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_TASK_ALWAYS_EAGER \
    DJANGO_SETTINGS_MODULE=config.settings.test PLANFLOW_TEST_ARTIFACTS="$out" "${assignments[@]}" \
    timeout --foreground --kill-after=30 "$RUN_TIMEOUT" \
    "$PY" -m pytest --junitxml="$out/junit.xml" "$@"
  local rc=$?
  local note
  case $rc in
    0) note="ok" ;;
    1) note="tests failed" ;;
    2) note="interrupted or collection errors" ;;
    3) note="pytest internal error" ;;
    4) note="usage error, or conftest.py failed to import" ;;
    5) note="no tests collected (counts as a failure)" ;;
    124|137) note="timed out after ${RUN_TIMEOUT} s (PLANFLOW_TEST_TIMEOUT)" ;;
    *) note="exit $rc" ;;
  esac
  RESULT[$name]="$(counts "$name") (exit $rc: $note)"
  if [[ $rc -ne 0 ]]; then FAILED=1; fi
}

for run in $RUNS; do
  case $run in
    sqlite)
      mkdir -p "$TMP/sqlite"
      run_pytest sqlite PLANFLOW_VAR_DIR="$TMP/sqlite" CELERY_TASK_ALWAYS_EAGER=true -- "$@"
      ;;
    postgres)
      echo
      echo "=== test.sh: checking PostgreSQL and Redis for run (postgres) ==="
      missing=()
      "$PY" scripts/services.py check-postgres "$PG_URL" || missing+=("PostgreSQL")
      "$PY" scripts/services.py check-redis "$REDIS" || missing+=("Redis")
      if [[ ${#missing[@]} -gt 0 ]]; then
        what=${missing[0]}${missing[1]:+ and ${missing[1]}}
        echo "test.sh: FAIL: $what not answering; start it (see .ci/run) or set TEST_DATABASE_URL / TEST_REDIS_URL" >&2
        RESULT[postgres]="not run: $what not answering"
        FAILED=1
      else
        mkdir -p "$TMP/postgres"
        run_pytest postgres PLANFLOW_VAR_DIR="$TMP/postgres" DATABASE_URL="$PG_URL" \
          REDIS_URL="$REDIS" CELERY_BROKER_URL="$REDIS" -- "$@"
      fi
      ;;
    *)
      echo "test.sh: unknown run '$run' in PLANFLOW_TEST_RUNS (use sqlite, postgres)" >&2
      exit 2
      ;;
  esac
done

echo
summary=""
for run in $RUNS; do summary+="${summary:+; }$run: ${RESULT[$run]:-not run}"; done
if [[ $RUNS != "sqlite postgres" ]]; then summary+=" (PLANFLOW_TEST_RUNS=$RUNS: not the full two-run check)"; fi
if [[ $FAILED -eq 0 ]]; then
  echo "test.sh: PASSED: $summary"
else
  echo "test.sh: FAILED: $summary"
fi
exit "$FAILED"
