"""The payloads every measurement uses: the seeded city's real submissions, as their senders send them.

One generated city is cut into consecutive parts: the stage part (what the throughput stages
load) and, right after it, the latency part (offered at a fixed rate once the stage part is
stored). The city lists every event after what it depends on, so each part is valid on top of
the parts before it. The baselines send the same bytes.
"""

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from services.demo.city import City, Publication, generate_city
from services.demo.publisher import PublishReport, publish_city
from services.ingest.worker import Incoming


@dataclass(frozen=True)
class Payload:
    """One submission on the wire: subject, bytes and ``Nats-Msg-Id``."""

    source: str
    subject: str
    data: bytes
    event_id: str


def encode(publication: Publication) -> bytes:
    """The bytes ``jejak demo load`` publishes for it (services/demo/publisher.py)."""
    return json.dumps(publication.body, ensure_ascii=False, separators=(",", ":")).encode()


def payload_of(publication: Publication) -> Payload:
    subject = f"asn.in.{publication.source}.{publication.event_type}.v1"
    return Payload(publication.source, subject, encode(publication), publication.event_id)


def incoming(publications: Sequence[Publication], first_sequence: int) -> list[Incoming]:
    """The publications as a fetch hands them to ingest's ``record_batch()``, numbered from ``first_sequence``
    (written straight to the store, without NATS)."""
    return [
        Incoming(payload.subject, payload.data, sequence)
        for sequence, payload in enumerate(map(payload_of, publications), start=first_sequence)
    ]


@dataclass(frozen=True)
class Workload:
    """The city and its parts."""

    city: City
    stage: list[Publication]
    latency: list[Publication]

    def part(self, publications: list[Publication]) -> City:
        """The city with only these events, for ``publish_city``."""
        return replace(self.city, events=publications)

    @property
    def payloads(self) -> list[Payload]:
        return [payload_of(publication) for publication in self.stage]

    def longest_history(self) -> str:
        """The NIP the stage part says most about: the dossier the API is measured on."""
        counted = Counter(str(p.body["employee_nip"]) for p in self.stage if "employee_nip" in p.body)
        return counted.most_common(1)[0][0]

    def largest_unit(self) -> str:
        """The unit with the most placements in the stage part: the OPD report the API is measured on."""
        counted = Counter(str(p.body["unit_code"]) for p in self.stage if p.event_type == "placement-changed")
        return counted.most_common(1)[0][0]


def make_workload(*, seed: int, employees: int, years: int, stage_events: int | None, latency_events: int) -> Workload:
    """Generate the city and cut it; the stage part is capped by ``stage_events`` (None: all the rest)."""
    city = generate_city(seed=seed, employees=employees, years=years, last_year=2026)
    available = len(city.events) - latency_events
    if available < 1:
        raise ValueError(f"the city has {len(city.events)} events: too few for {latency_events} latency events")
    stage_n = available if stage_events is None else min(stage_events, available)
    return Workload(city, city.events[:stage_n], city.events[stage_n : stage_n + latency_events])


async def publish_part(
    workload: Workload, publications: list[Publication], sender_url: Callable[[str], str]
) -> PublishReport:
    """Publish to INBOX as ``jejak demo load`` does: each source as itself, dependencies in order."""
    return await publish_city(workload.part(publications), sender_url, concurrency=256)
