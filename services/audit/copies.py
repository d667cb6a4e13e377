"""Copies of the checkpoints kept outside the store, and what they say about it.

A database superuser can rewrite the events, recompute the chain and delete the stored
checkpoints; the chain then verifies against what is left. The copies are what they cannot
reach: the AUDIT stream (delete and purge denied), and folders an auditor or a witness keeps
(``jejak audit witness``). ``jejak audit verify`` checks every copy against the chain, and
compares the copies with the store's list: a checkpoint kept elsewhere but gone from the store,
one that differs, or a gap in the store's numbering (ids are given one at a time, in commit
order) is a problem, whatever the chain says.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from contracts.streams import AUDIT_STREAM, CHECKPOINT_SUBJECT
from services.audit.offline import Checkpoint, Problem

AUDIT_PLACE = "AUDIT"


class CopyUnreadable(RuntimeError):
    """A place that should hold checkpoint copies could not be read: the verification would be incomplete."""


async def audit_stream_checkpoints(js: JetStreamContext) -> list[Checkpoint]:
    """Every checkpoint published on AUDIT, in stream order."""
    info = await js.stream_info(AUDIT_STREAM)
    if info.state.messages == 0:
        return []
    reader = await js.pull_subscribe(
        CHECKPOINT_SUBJECT,
        stream=AUDIT_STREAM,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
            mem_storage=True,
            inactive_threshold=30.0,
        ),
    )
    found: list[Checkpoint] = []
    try:
        while True:
            pending = (await reader.consumer_info()).num_pending or 0
            if pending == 0:
                return found
            for message in await reader.fetch(min(pending, 1000), timeout=5):
                found.append(Checkpoint.from_json(json.loads(message.data or b"{}")))
    finally:
        await reader.unsubscribe()


def folder_checkpoints(folder: Path) -> list[Checkpoint]:
    """Every ``*.json`` checkpoint file in ``folder`` (as ``jejak audit witness`` writes them)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append(Checkpoint.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError) as error:
            raise CopyUnreadable(f"{path}: not a checkpoint Jejak can read ({error})") from None
    return found


def _signed(checkpoint: Checkpoint) -> tuple[int, bytes, str, str, bytes]:
    return (checkpoint.position, checkpoint.hash, checkpoint.signed_at, checkpoint.key_id, checkpoint.signature)


def _same(one: Checkpoint, other: Checkpoint) -> bool:
    return _signed(one) == _signed(other)


def numbering_gaps(stored: Sequence[Checkpoint]) -> list[Problem]:
    """Ids are given from 1, one at a time: an id missing below the highest was deleted."""
    ids = sorted(checkpoint.checkpoint_id for checkpoint in stored if checkpoint.checkpoint_id is not None)
    problems = []
    expected = 1
    for checkpoint_id in ids:
        if checkpoint_id > expected:
            gone = f"#{expected}" if checkpoint_id == expected + 1 else f"#{expected} to #{checkpoint_id - 1}"
            problems.append(
                Problem(
                    0,
                    "checkpoint",
                    f"checkpoint {gone} is missing from the store: deleted, or refused after its number was taken",
                )
            )
        expected = checkpoint_id + 1
    return problems


def compare_copies(stored: Sequence[Checkpoint], places: Mapping[str, Sequence[Checkpoint]]) -> list[Problem]:
    """What the copies kept in ``places`` say the store lost or changed (the chain check is separate)."""
    problems = numbering_gaps(stored)
    by_id = {checkpoint.checkpoint_id: checkpoint for checkpoint in stored if checkpoint.checkpoint_id is not None}
    for place, copies in places.items():
        for copy in copies:
            if copy.checkpoint_id is None:
                continue  # a file without its id: checked against the chain only
            kept = by_id.get(copy.checkpoint_id)
            if kept is None:
                problems.append(
                    Problem(
                        copy.position,
                        "checkpoint",
                        f"checkpoint #{copy.checkpoint_id} (position {copy.position}, signed at {copy.signed_at}) "
                        f"is kept in {place} but not in the store: it was deleted from the store",
                    )
                )
            elif not _same(kept, copy):
                problems.append(
                    Problem(
                        copy.position,
                        "checkpoint",
                        f"checkpoint #{copy.checkpoint_id} in the store differs from the copy kept in {place}",
                    )
                )
    published = places.get(AUDIT_PLACE)
    if published:
        on_stream = {copy.checkpoint_id for copy in published}
        newest = max(checkpoint_id or 0 for checkpoint_id in on_stream)
        for checkpoint_id, checkpoint in sorted(by_id.items(), key=lambda item: item[0] or 0):
            if checkpoint_id is not None and checkpoint_id <= newest and checkpoint_id not in on_stream:
                problems.append(
                    Problem(
                        checkpoint.position,
                        "checkpoint",
                        f"checkpoint #{checkpoint_id} is in the store but was never published on {AUDIT_PLACE}",
                    )
                )
    return problems


def unique(checkpoints: Iterable[Checkpoint]) -> list[Checkpoint]:
    """The checkpoints, each once (the same one kept in several places is checked once against the chain)."""
    return list({_signed(checkpoint): checkpoint for checkpoint in checkpoints}.values())
