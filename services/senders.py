"""The sender map: which departmental system may publish which event types.

It is read from a TOML file (``services/senders.toml`` unless ``JEJAK_SENDERS_FILE`` names
another), checked when loaded, and used twice: ingest refuses a submission its source may not
send, and the NATS configuration gives each sender a user that can publish only as itself. Ingest
also hands the complaint rules the senders marked ``steward``, who may act for every channel.
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from contracts.inbound import INBOUND_CONTRACTS
from contracts.streams import TOKEN_PATTERN

ANNOUNCED_EVENT_TYPES = frozenset(
    {
        "complaint-received",
        "complaint-verified",
        "complaint-disposed",
        "complaint-followed-up",
        "complaint-closed",
        "dialogue-forum-held",
        "personal-data-erased",
    }
)
"""Event types a map may list before their contracts exist (ingest refuses them until then)."""

_SOURCE = re.compile(rf"^{TOKEN_PATTERN}$")
_REQUIRED_KEYS = frozenset({"name", "events"})
_OPTIONAL_KEYS = frozenset({"steward"})


class SenderMapError(ValueError):
    """The sender map cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Sender:
    """One departmental system: its source name, a name people know it by, what it may send."""

    source: str
    name: str
    events: frozenset[str]
    steward: bool = False
    """May act for every complaint channel: send later steps of any complaint, erase any channel's person."""


@dataclass(frozen=True)
class Senders:
    """Every known sender, by source name."""

    by_source: Mapping[str, Sender]

    @property
    def names(self) -> tuple[str, ...]:
        """The source names, sorted."""
        return tuple(sorted(self.by_source))

    @cached_property
    def stewards(self) -> frozenset[str]:
        """The sources that may act for every complaint channel (the domain's rules take them as given)."""
        return frozenset(source for source, sender in self.by_source.items() if sender.steward)

    def allows(self, source: str, event_type: str) -> bool:
        sender = self.by_source.get(source)
        return sender is not None and event_type in sender.events

    def refusal(self, source: str, event_type: str) -> str | None:
        """Why ``source`` may not publish ``event_type``, in one sentence; None when it may."""
        sender = self.by_source.get(source)
        if sender is None:
            return f"unknown source {source!r}: not in the sender map"
        if event_type in sender.events:
            return None
        return f"source {source!r} may not publish {event_type}; allowed: {', '.join(sorted(sender.events))}"


def known_event_types() -> frozenset[str]:
    return frozenset(event_type for event_type, _ in INBOUND_CONTRACTS) | ANNOUNCED_EVENT_TYPES


def parse_senders(text: str, origin: str = "sender map") -> Senders:
    """Read and check a sender map; raise SenderMapError naming the first problem found."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SenderMapError(f"{origin}: not valid TOML: {error}") from None
    if set(document) != {"senders"} or not isinstance(document["senders"], dict):
        raise SenderMapError(f"{origin}: expected only [senders.<source>] tables, found {sorted(document)}")
    senders = {source: _sender(origin, source, entry) for source, entry in document["senders"].items()}
    if not senders:
        raise SenderMapError(f"{origin}: no senders")
    return Senders(MappingProxyType(senders))


def _sender(origin: str, source: str, entry: Any) -> Sender:
    where = f"{origin}: senders.{source}"
    if not _SOURCE.match(source):
        raise SenderMapError(f"{where}: a source must be lowercase letters and digits joined by single hyphens")
    if not isinstance(entry, dict) or not _REQUIRED_KEYS <= set(entry) <= _REQUIRED_KEYS | _OPTIONAL_KEYS:
        found = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise SenderMapError(f"{where}: needs `name` and `events` and may have `steward`, found {found}")
    name, events, steward = entry["name"], entry["events"], entry.get("steward", False)
    if not isinstance(name, str) or not name.strip():
        raise SenderMapError(f"{where}: `name` must be a non-empty string")
    if not isinstance(steward, bool):
        raise SenderMapError(f"{where}: `steward` must be true or false")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise SenderMapError(f"{where}: `events` must be a non-empty list of event types")
    if len(set(events)) != len(events):
        raise SenderMapError(f"{where}: `events` lists an event type twice")
    unknown = sorted(set(events) - known_event_types())
    if unknown:
        raise SenderMapError(f"{where}: unknown event type(s) {', '.join(unknown)}")
    return Sender(source, name, frozenset(events), steward)


def load_senders(path: Path | None = None) -> Senders:
    """The map in ``path``, or the one shipped with Jejak when ``path`` is None."""
    if path is None:
        return parse_senders(resources.files("services").joinpath("senders.toml").read_text(), "services/senders.toml")
    try:
        text = path.read_text()
    except OSError as error:
        raise SenderMapError(f"{path}: cannot be read: {error.strerror}") from None
    return parse_senders(text, str(path))
