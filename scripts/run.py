"""Start planflow on the embedded default: web server, one Celery worker, one Celery beat.

Run by `make run` with the project's venv python (standard library only here):
SQLite under var/, kombu's filesystem transport as the broker, so no server is
needed. DATABASE_URL / REDIS_URL in the environment or in .env still apply.

Steps: migrate, load the demo directory, start the three processes (each in its
own process group), wait for the web port, print the URL and the demo logins.
Ctrl-C or SIGTERM stops all three (SIGTERM, up to 10 s, then SIGKILL to each
process group) and exits 0; if one of them dies on its own, the others are
stopped and the exit is 1.

Environment: PLANFLOW_PORT (default 8000), PLANFLOW_VAR_DIR (default var/); PLANFLOW_SITE_URL
defaults to this server's address (http://127.0.0.1:PORT/) unless set here or in .env.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 10.0
WEB_START_TIMEOUT_SECONDS = 120.0

_stop_requested = threading.Event()
_print_lock = threading.Lock()


def say(message: str) -> None:
    """Print one line of run.py's own output."""
    with _print_lock:
        print(f"[run] {message}", flush=True)


def _on_signal(signum: int, _frame: object) -> None:
    if not _stop_requested.is_set():
        say(f"{signal.Signals(signum).name} received: stopping")
    _stop_requested.set()


def _child_setup() -> None:
    """In the child, before exec: own process group, and die with run.py even if it is SIGKILLed."""
    os.setsid()
    with contextlib.suppress(Exception):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def build_env() -> dict[str, str]:
    """Return the environment of every step: local settings, unbuffered output."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def var_dir(env: dict[str, str]) -> Path:
    """Return the folder of the SQLite file, broker and beat schedule (as config/settings/base.py reads it)."""
    return Path(env.get("PLANFLOW_VAR_DIR") or ROOT / "var")


def manage(*args: str, env: dict[str, str], capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run one manage.py command in the foreground."""
    return subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, text=True, capture_output=capture, check=False
    )


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the demo directory; exit non-zero with a message if either fails."""
    say("manage.py migrate --noinput")
    if manage("migrate", "--noinput", env=env).returncode != 0:
        stop_before_start("manage.py migrate failed (see above)")
    say("manage.py load_demo")
    result = manage("load_demo", env=env, capture=True)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        if "Unknown command" in result.stderr:
            say("load_demo is not there yet: starting without demo data")
        else:
            stop_before_start("manage.py load_demo failed (see above)")


def stop_before_start(message: str) -> None:
    """Exit before any child runs: 0 after Ctrl-C, else 1 with the message."""
    if _stop_requested.is_set():
        say("interrupted before start")
        sys.exit(0)
    say(f"ERROR: {message}")
    sys.exit(1)


def demo_logins(env: dict[str, str]) -> list[str]:
    """Return the lines that tell the demo logins, from documents.demo.DEMO_LOGINS or load_demo --list-logins."""
    # documents.demo may expose a list DEMO_LOGINS or a function demo_logins(); rows may be
    # (username, password, description) tuples or objects with those attributes.
    probe = (
        "import django, json\n"
        "django.setup()\n"
        "from documents import demo\n"
        "rows = getattr(demo, 'DEMO_LOGINS', None)\n"
        "rows = rows if rows is not None else demo.demo_logins()\n"
        "fields = ('username', 'password', 'description')\n"
        "print(json.dumps([[str(getattr(r, f)) for f in fields] if hasattr(r, 'username')"
        " else [str(v) for v in r] for r in rows]))\n"
    )
    result = subprocess.run(  # noqa: S603
        [PYTHON, "-c", probe], cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    if result.returncode == 0:
        import json

        with contextlib.suppress(ValueError):
            rows = json.loads(result.stdout.strip().splitlines()[-1])
            if rows:
                width = max(len(row[0]) for row in rows)
                return [f"  {row[0]:<{width}}  {row[1] if len(row) > 1 else ''}  {' '.join(row[2:])}" for row in rows]
    result = manage("load_demo", "--list-logins", env=env, capture=True)
    if result.returncode == 0 and result.stdout.strip():
        return ["  " + line for line in result.stdout.rstrip().splitlines()]
    return [
        "  (none known yet: neither documents.demo (DEMO_LOGINS or demo_logins())"
        " nor `manage.py load_demo --list-logins` answered)"
    ]


def port_answers(port: int) -> bool:
    """Return whether something accepts TCP connections on HOST:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def pump(name: str, stream: object) -> None:
    """Copy a child's output to ours, each line prefixed with the child's name."""
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        with _print_lock:
            sys.stdout.write(f"[{name}] {line}")
            sys.stdout.flush()


class Children:
    """The three long-running processes, each the leader of its own process group."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[str]] = {}
        self.pumps: list[threading.Thread] = []

    def start(self, commands: dict[str, list[str]], env: dict[str, str]) -> None:
        """Start every command, then the threads that copy their output."""
        for name, argv in commands.items():
            say(f"starting {name}: {' '.join(argv[1:])}")
            self.procs[name] = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                # preexec_fn is safe here: the output threads start only after every fork.
                preexec_fn=_child_setup,
            )
        for name, proc in self.procs.items():
            thread = threading.Thread(target=pump, args=(name, proc.stdout), daemon=True)
            thread.start()
            self.pumps.append(thread)

    def first_dead(self) -> tuple[str, int] | None:
        """Return (name, exit code) of a child that has exited, if any."""
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self) -> None:
        """SIGTERM every child, wait up to STOP_GRACE_SECONDS, then SIGKILL whatever is left of each group.

        SIGTERM goes to each group's leader only: the Celery worker then shuts down warmly,
        finishing its current task and ending its pool process itself; a SIGTERM to the pool
        process too would abort that task halfway. The SIGKILL goes to the whole group, so
        nothing a child started outlives run.py.
        """
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} still running after {STOP_GRACE_SECONDS:.0f} s: SIGKILL")
        for proc in self.procs.values():
            # The group may outlive its leader (the worker's pool process).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for thread in self.pumps:
            thread.join(timeout=2)
        say("stopped: " + ", ".join(f"{name} (exit {proc.returncode})" for name, proc in self.procs.items()))


def _dotenv_sets(name: str) -> bool:
    """True when ROOT/.env assigns `name` (settings read .env for what the environment leaves unset)."""
    dotenv = ROOT / ".env"
    if not dotenv.is_file():
        return False
    return any(
        line.strip().removeprefix("export ").split("=", 1)[0].strip() == name
        for line in dotenv.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def main() -> int:
    """Prepare, start, watch and stop; return the exit code."""
    os.chdir(ROOT)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    env = build_env()
    port = int(env.get("PLANFLOW_PORT") or 8000)
    # Links in e-mails, calendar feeds and set-password pages point at the server this starts,
    # unless the environment (or .env) names the public address.
    if not env.get("PLANFLOW_SITE_URL") and not _dotenv_sets("PLANFLOW_SITE_URL"):
        env["PLANFLOW_SITE_URL"] = f"http://{HOST}:{port}/"
    var = var_dir(env)
    var.mkdir(parents=True, exist_ok=True)

    if port_answers(port):
        say(f"ERROR: port {port} on {HOST} is already in use: stop what listens there or set PLANFLOW_PORT")
        return 1
    prepare(env)
    logins = demo_logins(env)
    if _stop_requested.is_set():
        say("interrupted before start")
        return 0

    celery = [PYTHON, "-m", "celery", "-A", "config"]
    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{port}", "--noreload"],
        "worker": [*celery, "worker", "-l", "info", "--concurrency=1", "-n", "worker@%h"],
        "beat": [*celery, "beat", "-l", "info", "--schedule", str(var / "celerybeat-schedule")],
    }
    children = Children()
    children.start(commands, env)

    exit_code = 0
    announced = False
    started = time.monotonic()
    try:
        while not _stop_requested.wait(0.3):
            dead = children.first_dead()
            if dead:
                name, code = dead
                say(f"ERROR: {name} exited unexpectedly with code {code}: stopping the others")
                exit_code = 1
                break
            if not announced and port_answers(port):
                announced = True
                say(f"planflow is up: http://{HOST}:{port}/  (worker and beat running; Ctrl-C stops all three)")
                say("demo logins (username, password, what for):")
                for line in logins:
                    say(line)
            elif not announced and time.monotonic() - started > WEB_START_TIMEOUT_SECONDS:
                say(f"ERROR: the web server did not answer on port {port} within {WEB_START_TIMEOUT_SECONDS:.0f} s")
                exit_code = 1
                break
    finally:
        children.stop()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
