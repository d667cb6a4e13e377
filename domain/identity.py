"""Deterministic aggregate ids, so any process derives the same id from the same facts."""

from uuid import UUID, uuid5

JEJAK_NAMESPACE = UUID("6c1f0b5e-5d1a-4b8e-9a57-4a6e3a0f8c21")
"""Namespace of every uuid5 Jejak derives; changing it would orphan every stored record."""


def civil_servant_id(nip: str) -> UUID:
    """The record of one civil servant, keyed by NIP (never reused)."""
    return uuid5(JEJAK_NAMESPACE, f"civil-servant/{nip}")


def receipt_id(source: str, event_id: str) -> UUID:
    """The idempotency receipt of one submission: the sender's own id, scoped by sender."""
    return uuid5(JEJAK_NAMESPACE, f"receipt/{source}/{event_id}")


def organisation_unit_id(unit_code: str) -> UUID:
    """An OPD, keyed by its unit code (SIASN unor id or the city's own code)."""
    return uuid5(JEJAK_NAMESPACE, f"organisation-unit/{unit_code}")


def complaint_key(tracking_number: str) -> UUID:
    """A complaint, keyed by the channel's tracking number."""
    return uuid5(JEJAK_NAMESPACE, f"complaint/{tracking_number}")


def dialogue_forum_id(forum_id: str) -> UUID:
    return uuid5(JEJAK_NAMESPACE, f"dialogue-forum/{forum_id}")


def person_id(source: str, reference: str) -> UUID:
    """A complainant's pseudonym: the channel and its opaque reference of the person."""
    return uuid5(JEJAK_NAMESPACE, f"person/{source}/{reference}")
