"""Stream names and subjects: the only place they are spelled out.

Subjects are lowercase, dot-separated, general to specific, kebab-case tokens:
``asn.in.<source>.<event-type>.v<N>`` for submissions, ``asn.events.<aggregate>.<event-type>``
for what the store recorded and ``asn.rejected.<source>.<event-type>`` for refusals.
"""

import re
from dataclasses import dataclass

INBOX_STREAM = "INBOX"
EVENTS_STREAM = "EVENTS"
REJECTED_STREAM = "REJECTED"
AUDIT_STREAM = "AUDIT"

INBOX_SUBJECTS = "asn.in.>"
EVENTS_SUBJECTS = "asn.events.>"
REJECTED_SUBJECTS = "asn.rejected.>"
AUDIT_SUBJECTS = "asn.audit.>"
CHECKPOINT_SUBJECT = "asn.audit.checkpoints"
"""Signed checkpoints of the event store's hash chain (JSON, format jejak-checkpoint/1); auditors keep copies."""

INGEST_CONSUMER = "ingest"

SUBMISSIONS_SUBJECTS = "asn.submit.>"
"""Where senders' submissions land inside Jejak's account, one stream per sender (see submission_stream)."""
INTAKE_BUCKET = "jejak-intake"
"""Key-value bucket where intake keeps how far it has moved each sender's stream into INBOX."""

TOKEN_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # noqa: S105 (a subject token, not a secret)
"""One subject token: lowercase letters and digits, words joined by single hyphens."""

_INBOX_SUBJECT = re.compile(
    rf"^asn\.in\.(?P<source>{TOKEN_PATTERN})\.(?P<event_type>{TOKEN_PATTERN})\.v(?P<version>[1-9][0-9]*)$"
)


@dataclass(frozen=True)
class InboxAddress:
    """Where a submission was sent: who sent it, what kind of event, which contract version."""

    source: str
    event_type: str
    version: int


def inbox_subject(source: str, event_type: str, version: int) -> str:
    """The subject a departmental system publishes one kind of event on."""
    return f"asn.in.{source}.{event_type}.v{version}"


def parse_inbox_subject(subject: str) -> InboxAddress | None:
    """Read source, event type and version out of an inbox subject; None when malformed."""
    match = _INBOX_SUBJECT.match(subject)
    if match is None:
        return None
    return InboxAddress(match["source"], match["event_type"], int(match["version"]))


def events_subject(aggregate_type: str, event_type: str) -> str:
    """The subject the relay publishes one stored event on."""
    return f"asn.events.{aggregate_type}.{event_type}"


def inbox_subjects_of(source: str) -> str:
    """Every subject one sender may publish on (its NATS user is limited to these)."""
    return f"asn.in.{source}.>"


def submission_subjects_of(source: str) -> str:
    """Where the server delivers what ``source`` publishes on ``asn.in.<source>.>`` (its import's mapping)."""
    return f"asn.submit.{source}.>"


def submission_stream(source: str) -> str:
    """The stream of one sender's submissions: its own ``Nats-Msg-Id`` namespace and duplicate window."""
    return f"SUBMIT-{source}"


PERSONAL_DATA_EVENT_TYPES = frozenset(
    {"complaint-received", "complaint-verified", "complaint-disposed", "complaint-followed-up", "complaint-closed",
     "personal-data-erased"}
)  # fmt: skip
"""The submissions that hold a complainant's personal data: NATS keeps them only until they are settled."""


def carries_personal_data(subject: str) -> bool:
    """Whether a submission on ``subject`` (``asn.in.`` or ``asn.submit.``) may hold a complainant's personal data.

    Read from the subject's event-type token alone, so a body that is not even JSON is covered too; any
    ``complaint-*`` type counts, one that no contract knows yet included.
    """
    tokens = subject.split(".")
    if len(tokens) < 4:
        return False
    event_type = tokens[3]
    return event_type in PERSONAL_DATA_EVENT_TYPES or event_type.startswith("complaint-")


def inbox_subject_of_submission(subject: str) -> str:
    """``asn.submit.<source>.<rest>`` -> ``asn.in.<source>.<rest>``: the subject the sender published on."""
    prefix = "asn.submit."
    if not subject.startswith(prefix):
        raise ValueError(f"not a submission subject: {subject!r}")
    return "asn.in." + subject[len(prefix) :]


def rejected_subjects_of(source: str) -> str:
    """Every subject one sender's refusals are published on."""
    return f"asn.rejected.{source}.>"


def rejections_consumer(source: str) -> str:
    """The durable pull consumer on REJECTED from which one sender reads its refusals."""
    return f"rejections-{source}"


def rejected_subject(source: str | None, event_type: str | None) -> str:
    """The subject a sender reads its refusals from; unknown parts become ``unknown``."""
    return f"asn.rejected.{source or 'unknown'}.{event_type or 'unknown'}"


def kebab(name: str) -> str:
    """``TrainingCompleted`` -> ``training-completed``: class names as subject tokens."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def projection_consumer(projection: str) -> str:
    """The durable consumer a read model is built through: ``projection-<name>``."""
    return f"projection-{projection}"
