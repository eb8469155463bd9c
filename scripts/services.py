"""Check that PostgreSQL and Redis answer, and create a database: helpers for test.sh and bench.sh.

Run with the project's venv python (it needs psycopg and redis from requirements.txt):

    .venv/bin/python scripts/services.py check-postgres postgres://postgres@127.0.0.1:5432/planflow
    .venv/bin/python scripts/services.py check-redis redis://127.0.0.1:6379/15
    .venv/bin/python scripts/services.py ensure-database postgres://postgres@127.0.0.1:5432/planflow_bench

Exit 0 when the server answers, 1 with a one-line message naming the service when it does not.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

TIMEOUT_SECONDS = 5


def _redact(url: str) -> str:
    """Return the URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _maintenance_url(url: str) -> tuple[str, str]:
    """Return (URL of the server's `postgres` database, name of the database in `url`)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
        raise SystemExit(f"services.py: not a PostgreSQL URL: {_redact(url)}")
    name = parts.path.lstrip("/") or "postgres"
    # Django creates test_<name> from the maintenance database, so the server,
    # not the named database, is what must answer.
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), name


def check_postgres(url: str) -> int:
    """Connect to the server of `url`; say which service is missing if it does not answer."""
    import psycopg

    maintenance, _ = _maintenance_url(url)
    try:
        with psycopg.connect(maintenance, connect_timeout=TIMEOUT_SECONDS) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"PostgreSQL is not answering at {_redact(url)}: {reason}", file=sys.stderr)
        return 1
    print(f"PostgreSQL {version} answers at {_redact(url)}")
    return 0


def check_redis(url: str) -> int:
    """PING the Redis server of `url`; say which service is missing if it does not answer."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        client.ping()
        version = client.info("server").get("redis_version", "?")
    except (redis.RedisError, OSError, ValueError) as exc:
        print(f"Redis is not answering at {_redact(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"Redis {version} answers at {_redact(url)}")
    return 0


def ensure_database(url: str) -> int:
    """Create the database named in `url` if the server does not have it yet."""
    import psycopg
    from psycopg import sql

    if check_postgres(url):
        return 1
    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, connect_timeout=TIMEOUT_SECONDS, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return 0


COMMANDS = {"check-postgres": check_postgres, "check-redis": check_redis, "ensure-database": ensure_database}


def main(argv: list[str]) -> int:
    """Dispatch `services.py COMMAND URL`."""
    if len(argv) != 2 or argv[0] not in COMMANDS:
        print(f"usage: services.py {{{'|'.join(COMMANDS)}}} URL", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
