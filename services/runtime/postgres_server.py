"""An embedded PostgreSQL from the binaries the PyPI package pgserver bundles, on 127.0.0.1 only.

We use pgserver's binaries but not its server manager: the manager listens on a Unix socket only,
chmods every parent folder and waits in one-second steps. Here ``initdb`` and ``pg_ctl`` run
directly, on a TCP port of our choice. PostgreSQL refuses to run as root, so as root the server
runs as an unprivileged OS user (``nobody`` by default) that owns the data folder.
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.runtime.process import ServerStartError

SUPERUSER = "postgres"


def bundled_install_dir() -> Path:
    """``pgserver/pginstall``, found without importing pgserver (its import has side effects)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError("pgserver is not installed: install the project (pip install -e .) first")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


@dataclass(frozen=True)
class OsUser:
    """Who the server processes run as: ``None`` fields mean the current user."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_postgres(cls, name_when_root: str) -> "OsUser":
        if os.geteuid() != 0:
            return cls()
        entry = pwd.getpwnam(name_when_root)
        return cls(entry.pw_uid, entry.pw_gid)

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def can_reach(self, path: Path) -> bool:
        """Whether this user may traverse every folder down to ``path`` (always, for oneself)."""
        if self.uid is None:
            return True
        for folder in [*reversed(path.resolve().parents), path.resolve()]:
            mode = folder.stat()
            if mode.st_uid == self.uid:
                continue
            if not mode.st_mode & (stat.S_IXGRP if mode.st_gid == self.gid else stat.S_IXOTH):
                return False
        return True

    def require_reach(self, path: Path) -> None:
        if not self.can_reach(path):
            raise ServerStartError(
                f"PostgreSQL runs as uid {self.uid} when jejak runs as root, and that user cannot reach "
                f"{path}: put JEJAK_HOME under a folder others may enter (e.g. /tmp or /srv), "
                "or run jejak as an ordinary user"
            )


def postgres_bin_dir(user: OsUser, copies_under: Path | None = None) -> Path:
    """The PostgreSQL binaries, copied to a world-readable folder if ``user`` cannot reach them.

    A virtualenv under a private folder (``/root``, a 0700 temporary clone) is unreachable for an
    unprivileged server user; copying 34 MB is kinder than chmod-ing someone's folders, as pgserver
    would. The copy keeps the wheel's layout, because the binaries find their shared libraries
    through the RPATH ``$ORIGIN/../../../pgserver.libs``.

    The copy is kept under a predictable name (in the system's temporary folder) for the next start,
    but used only when every file and folder in it is this process's own and no one else may change
    it: anyone may create that name first and fill it with binaries of their own. Otherwise the
    binaries are copied afresh into a folder of a random name, made for this start.
    """
    bundled = bundled_install_dir().resolve()  # the server user must reach the real path, not a link
    if user.can_reach(bundled / "bin"):
        return bundled / "bin"
    base = copies_under or Path(tempfile.gettempdir())
    kept = base / f"jejak-pgserver-{os.stat(bundled).st_ino}"
    if not _our_copy(kept):
        fresh = _copy_binaries(bundled, base)
        with contextlib.suppress(OSError):  # another process copied it first, or someone else holds the name
            fresh.rename(kept)  # replaces only a missing name (or an empty folder)
        if _our_copy(kept):
            shutil.rmtree(fresh, ignore_errors=True)
        else:
            kept = fresh  # the kept one is not to be trusted: use the copy made just now
    binaries = kept / "pgserver" / "pginstall" / "bin"
    user.require_reach(binaries)
    return binaries


def _copy_binaries(bundled: Path, base: Path) -> Path:
    """The wheel's install and libraries in a new folder of a random name under ``base``, readable by all."""
    staging = Path(tempfile.mkdtemp(prefix="jejak-pgserver-", dir=base))
    shutil.copytree(bundled, staging / "pgserver" / "pginstall", symlinks=True)
    libraries = bundled.parent.parent / "pgserver.libs"
    if libraries.exists():  # Linux wheels (auditwheel); macOS wheels keep theirs inside
        shutil.copytree(libraries, staging / "pgserver.libs", symlinks=True)
    staging.chmod(0o755)
    return staging


def _our_copy(root: Path) -> bool:
    """A complete copy in which every entry is this process's user's and none is writable by others."""
    if root.is_symlink() or not (root / "pgserver" / "pginstall" / "bin" / "postgres").is_file():
        return False
    me = os.geteuid()
    for folder, folders, files in os.walk(root):  # links are not followed
        for entry in (folder, *(os.path.join(folder, name) for name in (*folders, *files))):
            status = os.lstat(entry)
            if status.st_uid != me or (not stat.S_ISLNK(status.st_mode) and status.st_mode & 0o022):
                return False
    return True


SHARED_BUFFERS = "512MB"
"""The default (``JEJAK_EMBEDDED_POSTGRES_SHARED_BUFFERS``). initdb's 128 MB holds the indexes of a
small store only: at 1M stored events ingest's PostgreSQL cost per submission nearly doubled as
index pages were read back in (docs/performance.md, Growth)."""


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in ``data_dir``, listening on 127.0.0.1:``port``."""

    data_dir: Path
    port: int
    user: OsUser
    log_file: Path
    bin_dir: Path
    shared_buffers: str = SHARED_BUFFERS

    def url(self, database: str, role: str = SUPERUSER) -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / tool), *args],
            user=self.user.uid,
            group=self.user.gid,
            extra_groups=[] if self.user.gid is not None else None,
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,  # the postmaster must not receive the terminal's Ctrl-C
            cwd=self.data_dir.parent,
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            raise ServerStartError(
                f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                f"\nserver log: {self.log_file}"
            )

    def init_if_new(self) -> bool:
        """Create the cluster when the folder has none; True when it did."""
        if (self.data_dir / "PG_VERSION").exists():
            return False
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.user.own(self.data_dir)
        result = self._run(
            "initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-instructions",
        )  # fmt: skip
        self._check(result, "initdb")
        return True

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data_dir), "status").returncode == 0

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            f"-c shared_buffers={self.shared_buffers}"
        )
        result = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        self._check(result, f"starting PostgreSQL on port {self.port}")

    def stop(self) -> None:
        """Fast shutdown: roll back open transactions, checkpoint, exit."""
        result = self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        self._check(result, "stopping PostgreSQL")


def start_postgres(
    data_root: Path, port: int, os_user_when_root: str, shared_buffers: str = SHARED_BUFFERS
) -> PostgresServer:
    """Initialise (first time) and start PostgreSQL with its data in ``data_root/data``."""
    data_root.mkdir(parents=True, exist_ok=True)
    user = OsUser.for_postgres(os_user_when_root)
    user.own(data_root)
    user.require_reach(data_root)
    log_file = data_root / "postgres.log"
    log_file.touch()
    user.own(log_file)
    server = PostgresServer(data_root / "data", port, user, log_file, postgres_bin_dir(user), shared_buffers)
    server.init_if_new()
    if server.running():  # left over from a run that was killed: restart it on our port
        server.stop()
    server.start()
    return server
