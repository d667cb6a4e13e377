"""Export bundles: verified offline (no database, no Jejak on the path), and any edit is caught."""

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cryptography
import pytest
from typer.testing import CliRunner

from domain.identity import civil_servant_id
from services.audit.export import NothingToExport, Selection, export_bundle
from services.audit.keys import generate_key, public_keys
from services.audit.offline import Checkpoint, file_sha256, link, load_public_keys, row_from_json, verify_bundle
from services.cli import app
from tests.builders import record_training, register_in
from tests.conftest import Stack
from tests.integration.audit_store import AuditStore, audit_store

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture
def store(stack: Stack, tmp_path: Path) -> Iterator[AuditStore]:
    with audit_store(stack, tmp_path) as fresh:
        fresh.fill(employees=3, trainings=2)
        yield fresh


def export(store: AuditStore, out: Path, selection: Selection | None = None) -> Path:
    export_bundle(
        store.services_url,
        out,
        selection=selection or Selection(),
        key=store.key,
        public_keys=public_keys(store.key_dir),
    )
    return out


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def install_verifier_alone(tmp_path: Path) -> Path:
    """jejak-verify installed from verifier/ into a folder of its own, beside ``cryptography`` and nothing else."""
    target = tmp_path / "jejak-verify"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--target", str(target), str(ROOT / "verifier")],
        check=True,
    )  # fmt: skip
    site = Path(cryptography.__file__).parent.parent
    for needed in ("cryptography", "cffi", *(path.name for path in site.glob("_cffi_backend*"))):
        (target / needed).symlink_to(site / needed)
    return target


def run_verifier_alone(target: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """As on an auditor's machine: no site-packages (-S), so nothing of Jejak but what was installed is importable."""
    start = f"import sys; sys.path[:0] = [{str(target)!r}]; import jejak_verify; raise SystemExit(jejak_verify.main())"
    return subprocess.run(
        [sys.executable, "-S", "-c", start, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_an_untouched_bundle_verifies_with_the_auditors_own_verifier_installed_alone(
    store: AuditStore, tmp_path: Path
) -> None:
    bundle = export(store, tmp_path / "bundle")
    names = {path.relative_to(bundle).as_posix() for path in bundle.rglob("*") if path.is_file()}
    assert {"events.jsonl", "checkpoints.jsonl", "manifest.json", "README.md"} <= names
    assert not any(name.endswith(".py") for name in names)  # no script of the bundle's own to trust
    assert any(name.startswith("public-keys/") for name in names)
    events = lines(bundle / "events.jsonl")
    assert len(events) == 3 * 6
    assert all("state" in event for event in events)
    assert verify_bundle(bundle, public_keys(store.key_dir)).ok
    # On "another machine": a copy of the folder, the verifier installed on its own, no database.
    elsewhere = tmp_path / "elsewhere"
    subprocess.run(["cp", "-r", str(bundle), str(elsewhere)], check=True)
    key_copy = tmp_path / "my-copy.pem"
    key_copy.write_bytes(next((bundle / "public-keys").glob("*.pem")).read_bytes())
    verifier = install_verifier_alone(tmp_path)
    assert (verifier / "bin" / "jejak-verify").exists()
    result = run_verifier_alone(verifier, ".", str(key_copy), cwd=elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("VERIFIED")


def test_a_bundle_re_signed_by_a_forger_is_never_verified_with_the_keys_it_ships(
    store: AuditStore, tmp_path: Path
) -> None:
    forger = generate_key(tmp_path / "forger")
    bundle = tmp_path / "forged"
    export_bundle(store.services_url, bundle, selection=Selection(), key=forger,
                  public_keys=public_keys(tmp_path / "forger"))  # fmt: skip
    result = run_verifier_alone(install_verifier_alone(tmp_path), str(bundle), "--trust-bundle-keys", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VERIFIED" not in result.stdout.replace("NOT VERIFIED", "")
    assert "NOT VERIFIED: consistent with the keys the bundle ships" in result.stdout
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(tmp_path / "nobody")}
    cli = CliRunner().invoke(app, ["audit", "verify", "--bundle", str(bundle), "--trust-bundle-keys"], env=env)
    assert cli.exit_code == 1, cli.output
    assert "NOT VERIFIED" in cli.output


@pytest.mark.parametrize("which", ["state", "hash", "prev_hash", "position", "topic"])
def test_any_edited_event_line_fails(store: AuditStore, tmp_path: Path, which: str) -> None:
    bundle = export(store, tmp_path / "bundle")
    events = bundle / "events.jsonl"
    rows = events.read_text(encoding="utf-8").splitlines()
    row = json.loads(rows[5])
    if which == "state":
        row["state"] = str(row["state"]).replace('"', "'", 1)
    elif which == "position":
        row["position"] = int(row["position"]) + 1000
    elif which == "topic":
        row["topic"] = str(row["topic"]) + "X"
    else:
        row[which] = "00" * 32
    rows[5] = json.dumps(row)
    events.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = verify_bundle(bundle, public_keys(store.key_dir))
    assert not report.ok
    assert any(problem.detail.startswith("events.jsonl was edited") for problem in report.problems)
    # Even with the manifest's digests recomputed by the forger, the chain or the signature gives it away.
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"]["events.jsonl"] = file_sha256(events)
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    again = verify_bundle(bundle, public_keys(store.key_dir))
    assert not again.ok
    assert {problem.kind for problem in again.problems} - {"signature"}, again.problems


def test_an_edited_checkpoint_line_fails(store: AuditStore, tmp_path: Path) -> None:
    bundle = export(store, tmp_path / "bundle")
    path = bundle / "checkpoints.jsonl"
    checkpoint = lines(path)[-1]
    checkpoint["signed_at"] = str(checkpoint["signed_at"]).replace("20", "19", 1)
    path.write_text(json.dumps(checkpoint) + "\n", encoding="utf-8")
    kinds = {problem.kind for problem in verify_bundle(bundle, public_keys(store.key_dir)).problems}
    assert {"changed", "signature"} <= kinds


def test_a_bundle_signed_by_a_stranger_fails_against_the_auditors_keys(store: AuditStore, tmp_path: Path) -> None:
    stranger = generate_key(tmp_path / "stranger")
    bundle = tmp_path / "forged"
    export_bundle(
        store.services_url, bundle, selection=Selection(), key=stranger, public_keys=public_keys(tmp_path / "stranger")
    )
    shipped = verify_bundle(bundle, trust_shipped_keys=True)
    assert shipped.consistent  # consistent with the keys it ships...
    assert not shipped.ok  # ...which prove nothing, so never verified
    report = verify_bundle(bundle, load_public_keys(sorted(store.key_dir.glob("public-*.pem"))))
    assert not report.ok  # ...but not signed by the key the auditor holds
    assert "unknown-key" in {problem.kind for problem in report.problems}
    assert not verify_bundle(bundle).ok  # and without a key of one's own, nothing verifies


def test_an_excerpt_cannot_be_altered_even_by_someone_who_rewrites_the_manifest(
    store: AuditStore, tmp_path: Path
) -> None:
    nip = register_in(store.records)
    record_training(store.records, nip)
    store.fill(employees=1, trainings=1)
    bundle = export(store, tmp_path / "one", Selection(aggregate_ids=frozenset({civil_servant_id(nip)})))
    events = bundle / "events.jsonl"
    rows = lines(events)
    index = next(i for i, row in enumerate(rows) if "state" in row and i + 1 < len(rows) and "state" not in rows[i + 1])
    row, follower = rows[index], rows[index + 1]
    row["state"] = str(row["state"]).replace("2", "9", 1)
    forged = row_from_json(row)
    content = forged.content()
    assert content is not None
    new_hash = link(forged.prev_hash, forged.position, content)
    row["hash"], follower["prev_hash"] = new_hash.hex(), new_hash.hex()  # relink the undisclosed neighbour
    events.write_text("".join(json.dumps(item) + "\n" for item in rows), encoding="utf-8")
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"]["events.jsonl"] = file_sha256(events)
    manifest["signature"] = None  # the forger cannot sign
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    report = verify_bundle(bundle, public_keys(store.key_dir))
    kinds = {(problem.kind, problem.position) for problem in report.problems}
    assert ("changed", follower["position"]) in kinds  # the undisclosed row no longer matches its hash
    assert ("unsigned", 0) in kinds


def test_one_employees_bundle_holds_their_events_and_only_links_of_the_rest(store: AuditStore, tmp_path: Path) -> None:
    nip = register_in(store.records)
    record_training(store.records, nip)
    store.fill(employees=1, trainings=1)
    bundle = export(store, tmp_path / "one", Selection(aggregate_ids=frozenset({civil_servant_id(nip)})))
    events = lines(bundle / "events.jsonl")
    with_content = [event for event in events if "state" in event]
    assert {event["aggregate_id"] for event in with_content} == {str(civil_servant_id(nip))}
    assert len(with_content) == 2
    assert len(events) > len(with_content)  # receipts and the later employee travel as links only
    assert verify_bundle(bundle, public_keys(store.key_dir)).ok


def test_nothing_selected_is_a_clear_error(store: AuditStore, tmp_path: Path) -> None:
    with pytest.raises(NothingToExport, match="no stored event matches"):
        export(store, tmp_path / "none", Selection(aggregate_ids=frozenset({civil_servant_id("199001012020121001")})))


def test_the_export_and_verify_commands(store: AuditStore, tmp_path: Path) -> None:
    env = {"JEJAK_DATABASE_URL": store.services_url, "JEJAK_AUDIT_KEY_DIR": str(store.key_dir)}
    runner = CliRunner()
    out = tmp_path / "cli-bundle"
    exported = runner.invoke(app, ["audit", "export", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    assert "verify it anywhere" in exported.output
    verified = runner.invoke(app, ["audit", "verify", "--bundle", str(out)], env=env)
    assert verified.exit_code == 0, verified.output
    (out / "README.md").write_text("edited\n")
    refused = runner.invoke(app, ["audit", "verify", "--bundle", str(out)], env=env)
    assert refused.exit_code == 1
    assert "README.md was edited" in refused.output
    bad_day = runner.invoke(app, ["audit", "export", str(tmp_path / "x"), "--from", "yesterday"], env=env)
    assert bad_day.exit_code == 2
    assert "is not a date" in bad_day.output


def test_files_added_to_a_bundle_or_named_outside_it_fail(store: AuditStore, tmp_path: Path) -> None:
    bundle = export(store, tmp_path / "bundle")
    (bundle / "extra.txt").write_text("added later\n")
    report = verify_bundle(bundle, public_keys(store.key_dir))
    assert ("inserted", "extra.txt is not listed in the manifest: it was added after export") in {
        (problem.kind, problem.detail) for problem in report.problems
    }
    (bundle / "extra.txt").unlink()
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"]["../outside.txt"] = "0" * 64
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    details = [problem.detail for problem in verify_bundle(bundle, public_keys(store.key_dir)).problems]
    assert "the manifest names '../outside.txt', outside the bundle" in details


def test_a_junk_checkpoint_stored_by_someone_is_neither_shipped_nor_chosen_as_the_end(
    store: AuditStore, tmp_path: Path
) -> None:
    signed = store.checkpoint()
    store.fill(employees=1, trainings=0)
    head = max(store.positions())
    with store.superuser() as conn:  # on the chain, well-formed, but not signed by the key
        row = conn.execute("SELECT hash FROM jejak_events WHERE notification_id = %s", (head,)).fetchone()
        assert row is not None
        conn.execute(
            "INSERT INTO jejak_checkpoints (position, head_hash, signed_at, key_id, signature) "
            "VALUES (%s, %s, %s, %s, %s)",
            (head, bytes(row[0]), signed.signed_at, store.key.key_id, bytes(64)),
        )
    bundle = export(store, tmp_path / "bundle")  # signs the head itself: the junk row does not count as signed
    shipped = [Checkpoint.from_json(item) for item in lines(bundle / "checkpoints.jsonl")]
    assert [checkpoint.position for checkpoint in shipped] == [signed.position, head]
    assert bytes(64) not in {checkpoint.signature for checkpoint in shipped}
    assert verify_bundle(bundle, public_keys(store.key_dir)).ok


def test_a_bundle_is_readable_by_its_exporter_only(store: AuditStore, tmp_path: Path) -> None:
    """Its events may carry personal data: no other user of the machine reads them."""
    out = tmp_path / "chosen"
    out.mkdir(mode=0o755)  # an empty folder the exporter named, open to all
    bundle = export(store, out)
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o700
    modes = {path.relative_to(bundle).as_posix(): stat.S_IMODE(path.stat().st_mode) for path in bundle.rglob("*")}
    assert modes["events.jsonl"] == 0o600
    assert all(mode == (0o700 if (bundle / name).is_dir() else 0o600) for name, mode in modes.items()), modes
