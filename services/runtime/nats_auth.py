"""NATS accounts and users: the services' account owns the streams, each sender gets its own.

Within one account a client chooses the reply subject of what it publishes, and JetStream sends
its acknowledgement there: a sender limited to ``asn.in.<source>.>`` could still make the server
write into EVENTS or under another source's subjects. So every sender lives in an account of its
own that imports only its part of Jejak's (``JEJAK``) subjects; replies crossing accounts are
rewritten by the server and can only come back into the sender's account:

- publish ``asn.in.<source>.>`` (and receive the PubAck on its ``_INBOX.>``). The import maps it
  to ``asn.submit.<source>.>`` in ``JEJAK``, captured by the sender's own stream
  ``SUBMIT-<source>``: JetStream de-duplicates ``Nats-Msg-Id`` per stream, so a sender's event ids
  can collide only with its own (intake then moves each stream into INBOX, ``services/ingest/intake.py``);
- receive ``asn.rejected.<source>.>`` as they are published;
- pull and acknowledge from the durable consumer ``rejections-<source>`` on REJECTED, which
  provisioning creates. A sender may not create consumers: the create request's subject names
  the filter but not the deliver subject, and nats-server (2.15) does not check a push
  consumer's deliver subject against its creator's rights (nats-io/nats-server#8274).

Users ``jejak`` (the services) and ``jejak-admin`` (operators) have every right in ``JEJAK``.
Passwords are generated once and kept in plain text in a 0600 file; the server's config is
rewritten from it at every start (bcrypt would need a dependency, and the file is 0600 anyway).
"""

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, urlsplit, urlunsplit

from contracts.streams import (
    REJECTED_STREAM,
    inbox_subjects_of,
    rejected_subjects_of,
    rejections_consumer,
    submission_subjects_of,
)
from services.senders import Senders

SERVICES_ACCOUNT = "JEJAK"
SERVICES_USER = "jejak"
ADMIN_USER = "jejak-admin"
CREDENTIALS_FILE = "credentials.json"


class CredentialsError(RuntimeError):
    """The credentials file is missing, unreadable, or has no password for a user."""


@dataclass(frozen=True)
class NatsCredentials:
    """Every NATS user's password, as kept in ``path``."""

    path: Path
    passwords: Mapping[str, str] = field(repr=False)

    def password(self, user: str) -> str:
        try:
            return self.passwords[user]
        except KeyError:
            raise CredentialsError(f"no NATS user {user!r} in {self.path} (not in the sender map?)") from None

    def url(self, address: str, user: str) -> str:
        """``address`` (``nats://host:port``) with ``user`` and its password."""
        return with_login(address, user, self.password(user))


def with_login(address: str, user: str, password: str) -> str:
    parts = urlsplit(address)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))


def has_login(url: str) -> bool:
    return "@" in urlsplit(url).netloc


def redacted(url: str) -> str:
    """The URL with its password replaced, for logs and banners."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{parts.netloc.rsplit('@', 1)[1]}"))


def users_for(senders: Senders) -> list[str]:
    return [SERVICES_USER, ADMIN_USER, *senders.names]


def load_credentials(path: Path) -> NatsCredentials:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CredentialsError(f"cannot read NATS credentials from {path}: {error}") from None
    users = document.get("users") if isinstance(document, dict) else None
    if not isinstance(users, dict) or not all(isinstance(v, str) for v in users.values()):
        raise CredentialsError(f"{path}: expected {{'users': {{user: password}}}}")
    return NatsCredentials(path, users)


def ensure_credentials(path: Path, users: Iterable[str]) -> NatsCredentials:
    """The passwords in ``path``, with one generated for each user that has none yet (0600)."""
    kept = load_credentials(path).passwords if path.exists() else {}
    passwords = {user: kept.get(user) or secrets.token_urlsafe(24) for user in users}
    if passwords != kept:
        write_private(path, json.dumps({"users": passwords}, indent=2) + "\n")
    return NatsCredentials(path, passwords)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only, replacing ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.unlink(missing_ok=True)
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    staging.replace(path)


class Import(NamedTuple):
    """One subject the account of a sender imports from ``JEJAK``: named ``local`` in the sender's account."""

    kind: str
    subject: str
    local: str


def sender_imports(source: str) -> list[Import]:
    """What the account of ``source`` imports from ``JEJAK``, and nothing else."""
    consumer = rejections_consumer(source)
    unchanged = [
        ("stream", rejected_subjects_of(source)),
        ("service", f"$JS.API.CONSUMER.MSG.NEXT.{REJECTED_STREAM}.{consumer}"),
        ("service", f"$JS.ACK.{REJECTED_STREAM}.{consumer}.>"),
    ]
    submissions = Import("service", submission_subjects_of(source), inbox_subjects_of(source))
    return [submissions, *(Import(kind, subject, subject) for kind, subject in unchanged)]


def _q(value: str) -> str:
    """A quoted string for the server's config (unquoted, ``$`` would start a variable)."""
    return json.dumps(value)


def _user(name: str, password: str, permissions: str = "") -> str:
    return f"{{ user: {_q(name)}, password: {_q(password)}{permissions} }}"


def _sender_account(source: str, password: str) -> str:
    imports = sender_imports(source)
    publish = ", ".join(_q(wanted.local) for wanted in imports if wanted.kind == "service")
    subscribe = ", ".join(_q(subject) for subject in ("_INBOX.>", rejected_subjects_of(source)))
    permissions = f", permissions: {{ publish: {{ allow: [{publish}] }}, subscribe: {{ allow: [{subscribe}] }} }}"
    lines = [f"  {_q(source)} {{", f"    users = [ {_user(source, password, permissions)} ]", "    imports = ["]
    for wanted in imports:
        to = f", to: {_q(wanted.local)}" if wanted.local != wanted.subject else ""
        lines.append(f"      {{ {wanted.kind}: {{ account: {SERVICES_ACCOUNT}, subject: {_q(wanted.subject)} }}{to} }}")
    return "\n".join([*lines, "    ]", "  }"])


def _services_account(senders: Senders, credentials: NatsCredentials) -> str:
    lines = [f"  {SERVICES_ACCOUNT} {{", "    jetstream: enabled", "    users = ["]
    lines += [f"      {_user(user, credentials.password(user))}" for user in (SERVICES_USER, ADMIN_USER)]
    lines += ["    ]", "    exports = ["]
    for source in senders.names:
        for kind, subject, _ in sender_imports(source):
            # A pull request is answered with many messages: its response must be a stream.
            streamed = ', response_type: "stream"' if ".MSG.NEXT." in subject else ""
            lines.append(f"      {{ {kind}: {_q(subject)}, accounts: [{_q(source)}]{streamed} }}")
    return "\n".join([*lines, "    ]", "  }"])


def accounts_config(senders: Senders, credentials: NatsCredentials) -> str:
    """The ``accounts`` block of nats-server's config: the services' account and one per sender."""
    accounts = [_services_account(senders, credentials)]
    accounts += [_sender_account(source, credentials.password(source)) for source in senders.names]
    return "accounts {\n" + "\n".join(accounts) + "\n}\n"


def adopt_global_account_store(store_dir: Path) -> bool:
    """Move streams kept before accounts existed (account ``$G``) to ``JEJAK``; True if it did.

    nats-server keeps each account's streams in ``<store_dir>/jetstream/<account>``; without this
    a store from an earlier version would look empty. Call it only while the server is stopped.
    """
    old, new = store_dir / "jetstream" / "$G", store_dir / "jetstream" / SERVICES_ACCOUNT
    if old.is_dir() and not new.exists():
        old.rename(new)
        return True
    return False
