"""Read one submission: subject and bytes in, a valid contract or a readable refusal out. No I/O."""

import hashlib
import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from contracts.inbound import INBOUND_CONTRACTS, InboundEvent, contract_for
from contracts.rejection import FieldError, RejectionKind
from contracts.streams import parse_inbox_subject
from services.senders import Senders


@dataclass(frozen=True)
class Decoded:
    """A submission whose subject and body satisfy their contract."""

    event: InboundEvent
    content_sha256: str
    """Fingerprint of the validated content, so key order or spacing never looks like a change."""


@dataclass(frozen=True)
class Refusal:
    """Why a submission cannot be recorded, with whatever identity could be read from it."""

    kind: RejectionKind
    reason: str
    source: str | None
    event_type: str | None
    event_id: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    rule: str | None = None

    @property
    def code(self) -> str:
        """Machine-readable: the rule broken, or what was wrong before any rule could apply."""
        if self.rule is not None:
            return self.rule
        if self.kind is RejectionKind.SUBJECT:
            return "subject-malformed" if self.event_type is None else "contract-unknown"
        return {RejectionKind.SENDER: "sender-not-allowed", RejectionKind.CONTRACT: "contract-violated"}.get(
            self.kind, str(self.kind)
        )


def decode(subject: str, body: bytes, senders: Senders) -> Decoded | Refusal:
    """Check the subject names a known contract that its source may send, and the body fits it.

    The sender is checked before the body, so a source sending what it may not is told that,
    not the field errors of a contract it should never have used.
    """
    address = parse_inbox_subject(subject)
    if address is None:
        return Refusal(
            RejectionKind.SUBJECT,
            f"subject {subject!r} is not of the form asn.in.<source>.<event-type>.v<version>",
            source=None,
            event_type=None,
            event_id=_event_id_of(body),
        )
    contract = contract_for(address.event_type, address.version)
    if contract is None:
        known = ", ".join(f"{t}.v{v}" for t, v in sorted(INBOUND_CONTRACTS))
        return Refusal(
            RejectionKind.SUBJECT,
            f"no contract for {address.event_type}.v{address.version}; known: {known}",
            address.source,
            address.event_type,
            _event_id_of(body),
        )
    not_allowed = senders.refusal(address.source, address.event_type)
    if not_allowed is not None:
        return Refusal(RejectionKind.SENDER, not_allowed, address.source, address.event_type, _event_id_of(body))
    try:
        event = contract.model_validate_json(body)
    except ValidationError as error:
        errors = [
            FieldError(
                field=".".join(str(p) for p in e["loc"]) or "(body)",
                message=e["msg"],
                type=e["type"],
            )
            for e in error.errors(include_url=False)
        ]
        return Refusal(
            RejectionKind.CONTRACT,
            f"{len(errors)} field(s) do not satisfy {contract.__name__}: "
            + "; ".join(f"{e.field}: {e.message}" for e in errors),
            address.source,
            address.event_type,
            _event_id_of(body),
            errors,
        )
    if event.source != address.source:
        return Refusal(
            RejectionKind.CONTRACT,
            f"source {event.source!r} in the body differs from {address.source!r} in the subject",
            address.source,
            address.event_type,
            event.event_id,
        )
    return Decoded(event, hashlib.sha256(event.model_dump_json().encode()).hexdigest())


def _event_id_of(body: bytes) -> str | None:
    """The sender's event_id if the body is JSON that has one, so a refusal can name it."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("event_id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None
