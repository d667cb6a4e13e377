"""Generate ``docs/`` from the wire contracts, so what senders read can never drift from the code.

Everything is rendered in memory first (sorted keys, stable order, no timestamps), so the same
code always gives the same bytes and CI can compare the committed files with a fresh rendering.
The AsyncAPI document comes from a FastStream broker that is declared but never connected.
"""

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from faststream import FastStream
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from contracts.inbound import INBOUND_CONTRACTS, InboundEvent
from contracts.outbound import StoredEventEnvelope, TrainingCompletedData
from contracts.rejection import RejectionV1
from contracts.streams import (
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    INBOX_STREAM,
    INBOX_SUBJECTS,
    INGEST_CONSUMER,
    REJECTED_STREAM,
    inbox_subject,
    rejected_subject,
)

DOCS_DIR = "docs"
SCHEMAS_DIR = f"{DOCS_DIR}/schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEVELOPMENT_NATS_URL = "nats://127.0.0.1:14222"
"""The embedded server of ``make run``; a constant, so the document does not depend on settings."""


@dataclass(frozen=True)
class Published:
    """A model Jejak publishes, and one sentence on where it appears on the wire."""

    model: type[BaseModel]
    wire: str


OUTBOUND_SCHEMAS: dict[str, Published] = {
    "outbound/stored-event-envelope.json": Published(
        StoredEventEnvelope,
        "Published by the relay on `asn.events.<aggregate>.<event-type>` (stream EVENTS), "
        "with header `Nats-Msg-Id` = `position`.",
    ),
    "outbound/training-completed-data.json": Published(
        TrainingCompletedData,
        "The `data` of an envelope whose `event_type` is `civil-servant.training-completed`.",
    ),
    "rejection.v1.json": Published(
        RejectionV1,
        "Published by ingest on `asn.rejected.<source>.<event-type>` (stream REJECTED) when a submission is refused.",
    ),
}
"""Every model Jejak writes to the wire, by path under docs/schemas; add new ones here."""

SUBJECT_PARAMETERS = {
    "source": "The sending system, one subject token (lowercase, hyphens), e.g. `bpsdm-sumbar`; "
    "equal to the event's `source` field. NATS wildcard: `*`.",
    "event_type": "The kebab-case event type, e.g. `training-completed`, or `unknown` when the "
    "subject could not be read. NATS wildcard: `*`.",
}


def to_json(document: Any) -> str:
    """The one JSON layout of docs/: sorted keys, two-space indent, UTF-8, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_id(path: str) -> str:
    """A stable identifier for a schema file, independent of where docs/ is hosted."""
    return "urn:jejak:schema:" + path.removesuffix(".json").replace("/", ":")


def inbound_path(model: type[InboundEvent]) -> str:
    return f"inbound/{model.event_type}.v{model.version}.json"


def inbound_schema(model: type[InboundEvent]) -> dict[str, Any]:
    """What senders must send: the validation schema, with the subject and the dedupe header."""
    subject = inbox_subject("{source}", model.event_type, model.version)
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = schema_id(inbound_path(model))
    schema["x-nats-subject"] = subject
    schema["description"] = (
        f"{schema.get('description', '')}\n\nPublish through JetStream on NATS subject `{subject}` "
        "(`{source}` = the `source` field), with header `Nats-Msg-Id` = `event_id`. The PubAck comes "
        "from the sender's own stream `SUBMIT-{source}`: its duplicate window holds that sender's ids only."
    ).lstrip()
    return schema


def outbound_schema(path: str, published: Published) -> dict[str, Any]:
    """What readers receive: the serialization schema, where exact decimals are JSON numbers."""
    schema = published.model.model_json_schema(mode="serialization")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = schema_id(path)
    schema["description"] = f"{schema.get('description', '')}\n\n{published.wire}".lstrip()
    return schema


def schema_files() -> dict[str, str]:
    """Every JSON Schema file, by path relative to the project root."""
    schemas = {inbound_path(model): inbound_schema(model) for model in _inbound_models()}
    schemas |= {path: outbound_schema(path, published) for path, published in OUTBOUND_SCHEMAS.items()}
    return {f"{SCHEMAS_DIR}/{path}": to_json(schema) for path, schema in sorted(schemas.items())}


def _inbound_models() -> list[type[InboundEvent]]:
    return [INBOUND_CONTRACTS[key] for key in sorted(INBOUND_CONTRACTS)]


def _documentation_handler(model: type[BaseModel]) -> Callable[[Any], Awaitable[None]]:
    """A handler whose only job is to carry ``model`` as the payload type of a subscriber."""

    async def receive(body: Any) -> None:
        """Never called: the broker it is registered on is never connected."""

    receive.__annotations__["body"] = model
    return receive


def documentation_broker() -> NatsBroker:
    """The subjects as FastStream declarations; streams are ``declare=False`` and nothing connects."""
    broker = NatsBroker(DEVELOPMENT_NATS_URL, description="The embedded server of `make run`.")
    for model in _inbound_models():
        _declare_inbox_subject(broker, model)
    _declare_outbound_subjects(broker)
    return broker


def _declare_inbox_subject(broker: NatsBroker, model: type[InboundEvent]) -> None:
    """One channel per contract, though ingest reads them all through one consumer on ``asn.in.>``."""
    broker.subscriber(
        inbox_subject("{source}", model.event_type, model.version),
        stream=JStream(INBOX_STREAM, declare=False),
        durable=INGEST_CONSUMER,
        pull_sub=PullSub(batch_size=1),
        title=f"inbox.{model.event_type}.v{model.version}",
        description=f"Departmental systems publish {model.__name__} here through JetStream, "
        "header `Nats-Msg-Id` = `event_id`. Their account delivers it to their own stream "
        "`SUBMIT-{source}` (subjects `asn.submit.{source}.>`, which acknowledges it and de-duplicates "
        "that sender's ids only); intake moves it onto this subject of stream "
        f"{INBOX_STREAM} (`{INBOX_SUBJECTS}`) in the order of arrival, where ingest consumes it with the durable "
        f"pull consumer `{INGEST_CONSUMER}`.",
    )(_documentation_handler(model))


def _declare_outbound_subjects(broker: NatsBroker) -> None:
    broker.publisher(
        EVENTS_SUBJECTS,
        stream=JStream(EVENTS_STREAM, declare=False),
        schema=StoredEventEnvelope,
        title="events",
        description="The relay publishes every stored event once, in store order, on "
        "`asn.events.<aggregate>.<event-type>` (stream EVENTS), header `Nats-Msg-Id` = `position`.",
    )
    broker.publisher(
        rejected_subject("{source}", "{event_type}"),
        stream=JStream(REJECTED_STREAM, declare=False),
        schema=RejectionV1,
        title="rejected",
        description="Ingest publishes each refused submission here, with the reason and the "
        "original bytes; senders read `asn.rejected.<their-source>.>`.",
    )


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the subjects, as FastStream generates it, plus parameters."""
    spec = AsyncAPI(title="Jejak", version=installed_version("jejak"), schema_version="3.0.0")
    app = FastStream(documentation_broker(), specification=spec)
    document: dict[str, Any] = app.schema.to_specification().to_jsonable()
    for channel in document.get("channels", {}).values():
        _declare_parameters(channel)
    return document


def _declare_parameters(channel: dict[str, Any]) -> None:
    """AsyncAPI 3.0 requires ``parameters`` for every ``{name}`` in an address; FastStream omits them."""
    names = re.findall(r"\{([A-Za-z0-9_]+)\}", channel.get("address") or "")
    if names:
        channel["parameters"] = {name: {"description": SUBJECT_PARAMETERS[name]} for name in names}


def readme(paths: list[str]) -> str:
    """The human index of docs/, listing the generated files so it changes when they do."""
    listed = "\n".join(f"- `{path.removeprefix(DOCS_DIR + '/')}`" for path in paths)
    return f"""# Wire contracts of Jejak

Generated by `jejak docs` from `contracts/`; do not edit by hand. Regenerate with `make docs`;
`make test` (target `docs-check`) fails when these files are out of date.

- `asyncapi.json`: AsyncAPI 3.0 document of the NATS subjects: the inbox subjects
  `asn.in.{{source}}.<event-type>.v<N>` senders publish to (header `Nats-Msg-Id` = `event_id`;
  acknowledged by the sender's own stream `SUBMIT-{{source}}`),
  the stored events on `asn.events.>` and the rejections on `asn.rejected.{{source}}.{{event_type}}`.
- `schemas/inbound/<event-type>.v<N>.json`: JSON Schema (draft 2020-12) of what senders submit.
- `schemas/outbound/`: JSON Schema of what Jejak publishes on EVENTS (as serialised: numbers
  are JSON numbers).
- `schemas/rejection.v1.json`: JSON Schema of a rejection on REJECTED.

Files:

{listed}
"""


def render_docs() -> dict[str, str]:
    """Every generated file, by path relative to the project root, in a stable order."""
    files = schema_files()
    files[f"{DOCS_DIR}/asyncapi.json"] = to_json(asyncapi_document())
    files[f"{DOCS_DIR}/README.md"] = readme(sorted([*files, f"{DOCS_DIR}/README.md"]))
    return dict(sorted(files.items()))


def extra_docs(root: Path, rendered: dict[str, str] | None = None) -> list[str]:
    """Files under docs/schemas that are no longer generated (a contract was removed or renamed)."""
    files = render_docs() if rendered is None else rendered
    schemas = root / SCHEMAS_DIR
    on_disk = (path.relative_to(root).as_posix() for path in schemas.rglob("*") if path.is_file())
    return sorted(path for path in on_disk if path not in files)


def stale_docs(root: Path) -> list[str]:
    """Generated files that are missing or differ under ``root``, and extra files under docs/schemas."""
    files = render_docs()
    differing = [path for path, content in files.items() if _read(root / path) != content]
    return sorted([*differing, *extra_docs(root, files)])


def write_docs(root: Path) -> list[str]:
    """Write the files that changed, delete the extra schemas; return the paths written."""
    files = render_docs()
    for path in extra_docs(root, files):
        (root / path).unlink()
    _remove_empty_folders(root / SCHEMAS_DIR)
    written = [path for path, content in files.items() if _read(root / path) != content]
    for path in written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path], encoding="utf-8", newline="\n")
    return written


def _read(path: Path) -> str | None:
    """Bytes, not text mode, so a file with other line endings counts as different."""
    return path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else None


def _remove_empty_folders(folder: Path) -> None:
    """Deepest first, so a folder emptied by removing its subfolders goes too."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(sub.iterdir()):
            sub.rmdir()
