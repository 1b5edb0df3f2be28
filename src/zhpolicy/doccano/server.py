"""`zhpolicy doccano serve`: install, initialise, start and stop a local Doccano server.

Doccano runs from its own virtual environment (.doccano/venv). The web server
(gunicorn, bound to 127.0.0.1) and the task worker (`doccano task`, without
which uploads and exports never finish) are started in their own sessions;
their process ids go to a state file in the data folder, and `--stop` ends
exactly those processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zhpolicy.doccano.settings import DOCCANO_HOME, DOCCANO_VERSION, Credentials
from zhpolicy.errors import ZhpolicyError

# Doccano 1.8.4 leaves these open; their newer releases break it on Python 3.11
# (pandas<2 needs numpy 1, environs 9 needs marshmallow 3, gunicorn 20 needs
# pkg_resources).
INSTALL_PINS = (f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4", "setuptools<81")
STATE_FILE = "server.json"

# Run inside Doccano's venv: set the environment exactly as `doccano` does
# (importing backend.cli), then migrate, create the roles and the admin.
# The password comes from the environment, never from the command line.
# Last, the task queue's row in the SQLite broker: left to the web server and
# the task worker, both insert it at once on a fresh database, and the loser
# exits on a UNIQUE constraint (kombu's lock is per process).
_PREPARE = """
import os, backend.cli, django
from django.core import management
django.setup()
management.call_command("migrate", verbosity=0)
management.call_command("create_roles")
management.call_command("create_admin", "--noinput", username=os.environ["DOCCANO_USERNAME"],
                        password=os.environ["DOCCANO_PASSWORD"], email="admin@localhost")
from config.celery import app
with app.connection_for_write() as connection:
    connection.default_channel.queue_declare(queue=app.conf.task_default_queue)
print(os.path.dirname(backend.cli.__file__))
"""


@dataclass
class ServeResult:
    url: str
    seconds: float
    installed: bool
    reused: bool  # a server on this data folder was already running


def venv_dir(home: Path = DOCCANO_HOME) -> Path:
    return home / "venv"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_venv(home: Path, log: Callable[[str], None]) -> bool:
    """Create Doccano's venv if missing; True when it had to be installed."""
    venv = venv_dir(home)
    marker = venv / f".doccano-{DOCCANO_VERSION}"
    if marker.exists():
        return False
    log(f"installing Doccano {DOCCANO_VERSION} into {venv} (once; a few minutes)")
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "install.log", "w") as out:
        steps = [[sys.executable, "-m", "venv", "--clear", str(venv)],
                 [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                  *INSTALL_PINS]]
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode:
                raise ZhpolicyError(f"installing Doccano failed; see {home / 'install.log'}")
    marker.touch()
    return True


def _server_env(data_dir: Path, creds: Credentials | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DOCCANO_USERNAME", "DOCCANO_PASSWORD", "DOCCANO_URL"):
        env.pop(key, None)  # the server processes do not need them
    data = str(data_dir.resolve())
    env.update({"DOCCANO_HOME": data, "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DATABASE_URL": f"sqlite:///{data}/db.sqlite3", "MEDIA_ROOT": f"{data}/media",
                "STANDALONE": "True", "DEBUG": "False", "PYTHONUNBUFFERED": "1"})
    if creds:
        env.update({"DOCCANO_USERNAME": creds.username, "DOCCANO_PASSWORD": creds.password})
    return env


def read_state(data_dir: Path) -> dict | None:
    path = data_dir / STATE_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _ours(pid: int, venv: Path) -> bool:
    """The pid is alive and still runs from Doccano's venv (not a recycled id)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return str(venv.resolve()) in cmdline


def running(data_dir: Path) -> dict | None:
    state = read_state(data_dir)
    if state and all(_ours(pid, Path(state["venv"])) for pid in state["pids"].values()):
        return state
    return None


def answers(url: str, timeout: float = 5.0) -> bool:
    """Doccano's health check passes (it also checks the task worker)."""
    try:
        with urllib.request.urlopen(f"{url}/v1/health/?format=json", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def serve(data_dir: Path, port: int, creds: Credentials, home: Path = DOCCANO_HOME, workers: int = 2,
          timeout: float = 180.0, log: Callable[[str], None] = print) -> ServeResult:
    started = time.monotonic()
    url = f"http://127.0.0.1:{port}"
    state = running(data_dir)
    if state:
        return ServeResult(state["url"], time.monotonic() - started, False, True)
    installed = ensure_venv(home, log)
    venv = venv_dir(home).resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise ZhpolicyError(f"port {port} is in use; choose another with --port")
    with open(logs / "prepare.log", "w") as out:
        done = subprocess.run([str(venv / "bin" / "python"), "-c", _PREPARE], env=_server_env(data_dir, creds),
                              stdout=subprocess.PIPE, stderr=out, text=True)
    if done.returncode:
        raise ZhpolicyError(f"initialising Doccano failed; see {logs / 'prepare.log'}")
    backend = done.stdout.strip().splitlines()[-1]
    env = _server_env(data_dir)
    commands = {
        # Doccano's own `webserver` binds 0.0.0.0; gunicorn directly keeps it on loopback.
        "web": [str(venv / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--chdir", backend, "--timeout", "300"],
        "task": [str(venv / "bin" / "doccano"), "task", "--concurrency", "1"],
    }
    processes = {}
    for name, command in commands.items():
        with open(logs / f"{name}.log", "a") as out:
            # A session of its own: a Ctrl-C in the terminal does not reach it, --stop does.
            processes[name] = subprocess.Popen(command, env=env, cwd=backend, stdout=out, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, start_new_session=True)
    pids = {name: process.pid for name, process in processes.items()}
    state = {"url": url, "port": port, "pids": pids, "venv": str(venv), "started": time.time()}
    tmp = data_dir / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, data_dir / STATE_FILE)
    deadline = time.monotonic() + timeout
    while not answers(url):
        # Our own children: poll() sees an exit. Their /proc cmdline is no test here, as it
        # reads empty for a moment after exec on a loaded machine.
        dead = [name for name, process in processes.items() if process.poll() is not None]
        if dead or time.monotonic() > deadline:
            stop(data_dir)
            why = f"{' and '.join(dead)} exited" if dead else f"no answer within {timeout:.0f} s"
            raise ZhpolicyError(f"Doccano did not start ({why}); see the logs in {logs}")
        time.sleep(0.5)
    return ServeResult(url, time.monotonic() - started, installed, False)


def stop(data_dir: Path, grace: float = 20.0) -> list[int]:
    """Stop the processes `serve` started on this data folder, by their process ids."""
    state = read_state(data_dir)
    if not state:
        return []
    venv = Path(state["venv"])
    alive = [pid for pid in state["pids"].values() if _ours(pid, venv)]
    for pid in alive:
        os.killpg(pid, signal.SIGTERM)  # its session's group: gunicorn's and celery's workers too
    deadline = time.monotonic() + grace
    while any(_ours(pid, venv) for pid in alive) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in alive:
        if _ours(pid, venv):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    (data_dir / STATE_FILE).unlink(missing_ok=True)
    return alive
