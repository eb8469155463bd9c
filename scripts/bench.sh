#!/usr/bin/env bash
# Run every bench/*.py against PostgreSQL (called by `make bench`).
#
# DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/planflow_bench}: the database
# is created if missing and migrated before the first bench. REDIS_URL / CELERY_BROKER_URL come from
# BENCH_REDIS_URL when it is set; otherwise Celery stays eager. Settings: config.settings.local with
# DEBUG off (DEBUG keeps every query in memory, which skews timings). Each bench is a script run
# with the venv's python from the project root; it prints its own figures. Arguments go to every bench.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
PY=${PLANFLOW_PYTHON:-$PWD/.venv/bin/python}
DB_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/planflow_bench}

shopt -s nullglob
benches=(bench/*.py)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "bench.sh: no bench/*.py yet: nothing to run"
  exit 0
fi

export DJANGO_SETTINGS_MODULE=${BENCH_SETTINGS_MODULE:-config.settings.local}
export DJANGO_DEBUG=false
export DATABASE_URL=$DB_URL
export PLANFLOW_VAR_DIR=${PLANFLOW_VAR_DIR:-$PWD/var/bench}
# Benches import the project (config, documents, ...) from the root, as manage.py does.
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
if [[ -n ${BENCH_REDIS_URL:-} ]]; then
  "$PY" scripts/services.py check-redis "$BENCH_REDIS_URL" || exit 1
  export REDIS_URL=$BENCH_REDIS_URL CELERY_BROKER_URL=$BENCH_REDIS_URL
else
  export CELERY_TASK_ALWAYS_EAGER=true
fi

"$PY" scripts/services.py ensure-database "$DB_URL" || { echo "bench.sh: FAIL: PostgreSQL is needed for make bench" >&2; exit 1; }
"$PY" manage.py migrate --noinput || { echo "bench.sh: FAIL: migrate failed" >&2; exit 1; }

failed=()
for bench in "${benches[@]}"; do
  echo
  echo "=== bench.sh: $bench ==="
  "$PY" "$bench" "$@" || failed+=("$bench")
done
echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench.sh: FAILED: ${failed[*]} (of ${#benches[@]})"
  exit 1
fi
echo "bench.sh: ran ${#benches[@]} bench(es): ${benches[*]}"
