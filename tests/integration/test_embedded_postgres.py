"""The embedded PostgreSQL's binaries stay usable when the virtualenv is private (root, 0700 clone)."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.runtime import postgres_server
from services.runtime.postgres_server import OsUser, bundled_install_dir, postgres_bin_dir

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.geteuid() != 0, reason="only root hands PostgreSQL to another OS user"),
]


@pytest.fixture
def private_site_packages(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """pgserver's wheel, laid out as installed, inside a folder only root may enter."""
    private = Path(tempfile.mkdtemp(prefix="jejak-private-"))  # 0700
    real = bundled_install_dir()
    shutil.copytree(real, private / "pgserver" / "pginstall", symlinks=True)
    shutil.copytree(real.parent.parent / "pgserver.libs", private / "pgserver.libs", symlinks=True)
    monkeypatch.setattr(postgres_server, "bundled_install_dir", lambda: private / "pgserver" / "pginstall")
    yield private
    shutil.rmtree(private)


def test_unreachable_binaries_are_copied_with_their_libraries(private_site_packages: Path) -> None:
    nobody = OsUser.for_postgres("nobody")
    assert not nobody.can_reach(private_site_packages / "pgserver" / "pginstall" / "bin")
    copies = Path(tempfile.mkdtemp(prefix="jejak-copies-"))
    copies.chmod(0o755)
    try:
        binaries = postgres_bin_dir(nobody, copies_under=copies)
        assert nobody.can_reach(binaries)
        version = subprocess.run(
            [str(binaries / "initdb"), "--version"],
            user=nobody.uid,
            group=nobody.gid,
            capture_output=True,
            text=True,
            check=False,
        )
        assert version.returncode == 0, version.stderr
        assert "PostgreSQL" in version.stdout
        assert postgres_bin_dir(nobody, copies_under=copies) == binaries  # copied once
    finally:
        shutil.rmtree(copies)


def test_binaries_reached_through_a_link_in_a_private_folder_are_used_by_their_real_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A virtualenv linked from a private folder (e.g. a 0700 clone) still runs as the server user."""
    private = Path(tempfile.mkdtemp(prefix="jejak-linked-"))  # 0700
    real = bundled_install_dir().resolve()
    (private / "site-packages").symlink_to(real.parent.parent)
    monkeypatch.setattr(
        postgres_server, "bundled_install_dir", lambda: private / "site-packages" / "pgserver" / "pginstall"
    )
    copies = Path(tempfile.mkdtemp(prefix="jejak-copies-"))
    copies.chmod(0o755)
    try:
        nobody = OsUser.for_postgres("nobody")
        binaries = postgres_bin_dir(nobody, copies_under=copies)
        assert nobody.can_reach(binaries)
        assert not str(binaries).startswith(str(private))  # never through the private link
        if nobody.can_reach(real):  # the venv itself is open: used in place, else copied
            assert str(binaries).startswith(str(real))
        version = subprocess.run(
            [str(binaries / "initdb"), "--version"],
            user=nobody.uid,
            group=nobody.gid,
            capture_output=True,
            text=True,
            check=False,
        )
        assert version.returncode == 0, version.stderr
    finally:
        shutil.rmtree(private)
        shutil.rmtree(copies)


@pytest.mark.parametrize("planted_by", ["another user", "anyone (world-writable)"])
def test_a_copy_someone_else_could_have_planted_is_never_run(private_site_packages: Path, planted_by: str) -> None:
    """The kept copy's name is predictable: a local user may create it first, with binaries of their own."""
    nobody = OsUser.for_postgres("nobody")
    copies = Path(tempfile.mkdtemp(prefix="jejak-copies-"))
    copies.chmod(0o755)
    bundled = (private_site_packages / "pgserver" / "pginstall").resolve()
    planted = copies / f"jejak-pgserver-{os.stat(bundled).st_ino}"
    try:
        shutil.copytree(bundled, planted / "pgserver" / "pginstall", symlinks=True)
        if planted_by == "another user":
            for folder, _, files in os.walk(planted):
                for entry in (folder, *(os.path.join(folder, name) for name in files)):
                    os.lchown(entry, nobody.uid or 65534, nobody.gid or 65534)
        else:
            (planted / "pgserver" / "pginstall" / "bin").chmod(0o777)
        binaries = postgres_bin_dir(nobody, copies_under=copies)
        assert not str(binaries).startswith(str(planted))  # a copy of its own, under another name
        assert binaries.parent.parent.parent.name.startswith("jejak-pgserver-")
        assert nobody.can_reach(binaries)
        assert (binaries / "postgres").is_file()
    finally:
        shutil.rmtree(copies)
