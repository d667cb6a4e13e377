"""Read one submission: subject and bytes in, a valid contract or a readable refusal out. No I/O."""

import hashlib
import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from contracts.inbound import INBOUND_CONTRACTS, InboundEvent, contract_for
from contracts.limits import DEFAULT_LIMITS, BodyLimits, breach_of
from contracts.rejection import FieldError, RejectionKind
from contracts.streams import InboxAddress, parse_inbox_subject
from services.senders import Senders

MAX_FIELD_ERRORS = 20
"""Errors listed per refusal: a body of a thousand unknown keys is told the first few, and how many more."""
MAX_FIELD_NAME = 200
"""Characters of a field's path kept in a refusal (an unknown key may be 16 KB long)."""
MAX_REASON = 2_000


_EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""The contracts' event id (``EventId``): a refusal names only an id of that shape."""


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
    limit: str | None = None
    """The bound exceeded (too-large, too-deep, ...) or ``unreadable``: a more precise code than the kind's."""

    @property
    def code(self) -> str:
        """Machine-readable: the rule broken, or what was wrong before any rule could apply."""
        if self.rule is not None:
            return self.rule
        if self.limit is not None:
            return self.limit
        if self.kind is RejectionKind.SUBJECT:
            return "subject-malformed" if self.event_type is None else "contract-unknown"
        return {RejectionKind.SENDER: "sender-not-allowed", RejectionKind.CONTRACT: "contract-violated"}.get(
            self.kind, str(self.kind)
        )


def decode(subject: str, body: bytes, senders: Senders, limits: BodyLimits = DEFAULT_LIMITS) -> Decoded | Refusal:
    """Check the body's size and shape, that the subject names a known contract its source may send,
    and that the body fits it.

    The bounds come first, on the raw bytes: nothing parses a body beyond them. The sender is
    checked before the body, so a source sending what it may not is told that, not the field errors
    of a contract it should never have used. Whatever the body, the answer is a Decoded or a Refusal:
    an exception while reading it (a parser's or a validator's) refuses this body, it never stops ingest.
    """
    address = parse_inbox_subject(subject)
    breach = breach_of(body, limits)
    if breach is not None:
        return Refusal(
            RejectionKind.LIMIT,
            breach.reason,
            address.source if address else None,
            address.event_type if address else None,
            limit=breach.code,
        )
    try:
        return _decode(subject, address, body, senders)
    except Exception as error:  # noqa: BLE001 (any failure to read one body is that body's refusal)
        return Refusal(
            RejectionKind.CONTRACT,
            _bounded(f"the body could not be read: {type(error).__name__}: {error}"),
            address.source if address else None,
            address.event_type if address else None,
            limit="unreadable",
        )


def _decode(subject: str, address: InboxAddress | None, body: bytes, senders: Senders) -> Decoded | Refusal:
    if address is None:
        return Refusal(
            RejectionKind.SUBJECT,
            f"subject {_bounded(subject, 300)!r} is not of the form asn.in.<source>.<event-type>.v<version>",
            source=None,
            event_type=None,
            event_id=event_id_of(body),
        )
    contract = contract_for(address.event_type, address.version)
    if contract is None:
        known = ", ".join(f"{t}.v{v}" for t, v in sorted(INBOUND_CONTRACTS))
        return Refusal(
            RejectionKind.SUBJECT,
            f"no contract for {address.event_type}.v{address.version}; known: {known}",
            address.source,
            address.event_type,
            event_id_of(body),
        )
    not_allowed = senders.refusal(address.source, address.event_type)
    if not_allowed is not None:
        return Refusal(RejectionKind.SENDER, not_allowed, address.source, address.event_type, event_id_of(body))
    try:
        event = contract.model_validate_json(body)
    except ValidationError as error:
        found = error.errors(include_url=False, include_input=False)
        errors = [
            FieldError(
                field=_bounded(".".join(str(p) for p in e["loc"]), MAX_FIELD_NAME) or "(body)",
                message=_bounded(e["msg"], MAX_FIELD_NAME),
                type=e["type"],
            )
            for e in found[:MAX_FIELD_ERRORS]
        ]
        more = f" (and {len(found) - len(errors)} more)" if len(found) > len(errors) else ""
        return Refusal(
            RejectionKind.CONTRACT,
            f"{len(found)} field(s) do not satisfy {contract.__name__}: "
            + _bounded("; ".join(f"{e.field}: {e.message}" for e in errors), MAX_REASON - 200)
            + more,
            address.source,
            address.event_type,
            event_id_of(body),
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


def event_id_of(body: bytes) -> str | None:
    """The sender's event_id if the body is JSON that has one of a valid shape, so a refusal can name it.

    Called only on a body within the bounds (``decode`` checks them first).
    """
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    value = parsed.get("event_id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) and _EVENT_ID.fullmatch(value) else None


def _bounded(text: str, most: int = MAX_REASON) -> str:
    """``text`` cut to ``most`` characters, marked where it was cut."""
    return text if len(text) <= most else text[: most - 1] + "…"
