"""The one read of the store behind the record as it stood, shared by ``jejak audit dossier`` and the API.

It reads, in one REPEATABLE READ snapshot and with SELECT only, every stored event of one
employee's record and every stored event of each complaint that named them.

The store has no index from an employee to the complaints naming them: the link is the
``named_employee_nip`` of a complaint's receipt, inside the complaint's own record. The live
dossier's ``dossier_complaint`` read model is therefore used as an *index*, never as content.
It can only tell which complaint records to open; what they say always comes from the store
(``jejak audit verify`` checks the store's hash chain, nothing checks a read model), and the
rebuild keeps a complaint only when its stored receipt names this employee. The read model files
a receipt only when it has already applied the employee's registration and only up to its own
position, so the store itself is searched exactly where the index cannot know: receipts stored
before the registration and receipts stored after the read model's position (its lag). Between
those, a complaint is found only if the read model filed it; a lost row is restored by
``jejak projections rebuild dossier``. Complaints are never re-targeted (only the receipt names an
employee, and no later event changes it), so the index never has to forget one.
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg import AsyncCursor, sql

from contracts.outbound import StoredEventEnvelope
from domain.complaint import Complaint
from domain.identity import civil_servant_id
from domain.policy import Policy
from domain.records import Records
from projections.dossier import NAME as DOSSIER
from projections.tracking import position_of
from services.audit.as_of import AsOfDossierOut, View, rebuild
from services.relay.translate import envelope_of

_COLUMNS = sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM public.jejak_events ")
_HISTORY = _COLUMNS + sql.SQL("WHERE originator_id = %(id)s ORDER BY originator_version")
_HEAD = sql.SQL("SELECT coalesce(max(notification_id), 0) FROM public.jejak_events")
_INDEXED = sql.SQL("SELECT complaint_key FROM public.dossier_complaint WHERE employee_id = %(id)s")
_NOT_INDEXED = sql.SQL("""
SELECT originator_id FROM public.jejak_events
WHERE (notification_id < %(registered)s OR notification_id > %(indexed)s)
  AND topic = %(topic)s AND originator_version = 1
  AND convert_from(state, 'UTF8')::jsonb ->> 'named_employee_nip' = %(nip)s""")
_COMPLAINTS = _COLUMNS + sql.SQL("WHERE originator_id = ANY(%(ids)s) ORDER BY notification_id")
RECEIVED = get_topic(Complaint.Received)  # type: ignore[attr-defined]
"""The stored topic of a complaint's receipt, the only event that names an employee."""


@dataclass(frozen=True)
class History:
    """One employee's stored events, those of the complaints naming them, and the store's newest position."""

    facts: list[StoredEventEnvelope]
    position: int
    complaints: list[StoredEventEnvelope] = field(default_factory=list)

    def dossier(self, view: View, policy: Policy) -> AsOfDossierOut | None:
        """The dossier in ``view``: the CLI and the API both rebuild through here, so they answer alike."""
        return rebuild(self.facts, view, policy, self.position, self.complaints)


@cache
def decoder() -> Records:
    """A store-less Records, for its mapper: stored events are plain JSON (no cipher, no compression),
    so it decodes them as the services' own would, without a second pool of connections."""
    return Records(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _envelopes(rows: list[tuple[Any, ...]]) -> list[StoredEventEnvelope]:
    """Through the relay's translation: it drops the complainant's sealed identity and person id."""
    records = decoder()
    return [envelope_of(records, Notification(id=r[0], originator_id=r[1], originator_version=r[2], topic=r[3],
                                              state=bytes(r[4]))) for r in rows]  # fmt: skip


async def read_history(cur: AsyncCursor[Any], nip: str) -> History:
    """Run it in a REPEATABLE READ transaction: events, read-model index and position then share one snapshot."""
    await cur.execute(_HEAD)
    head = await cur.fetchone()
    employee = civil_servant_id(nip)
    await cur.execute(_HISTORY, {"id": employee})
    facts = _envelopes(await cur.fetchall())
    position = int(head[0]) if head else 0
    if not facts:
        return History(facts, position)
    return History(facts, position, await _complaints_naming(cur, nip, employee, facts[0].position))


async def _complaints_naming(
    cur: AsyncCursor[Any], nip: str, employee: UUID, registered: int
) -> list[StoredEventEnvelope]:
    """Every event of every complaint whose receipt may name ``nip``: the index, plus the store where it is blind."""
    await cur.execute(_INDEXED, {"id": employee})
    keys = {row[0] for row in await cur.fetchall()}
    indexed = await position_of(cur, DOSSIER)
    await cur.execute(_NOT_INDEXED, {"registered": registered, "indexed": indexed, "topic": RECEIVED, "nip": nip})
    keys |= {row[0] for row in await cur.fetchall()}
    if not keys:
        return []
    await cur.execute(_COMPLAINTS, {"ids": list(keys)})
    return _envelopes(await cur.fetchall())
