"""One settings class for every process, read from ``JEJAK_*`` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.limits import BodyLimits
from services.database_urls import service_database_url
from services.runtime.postgres_server import SHARED_BUFFERS

MAX_PAYLOAD_FACTOR = 2
"""What the relay publishes of a submission holds its fields (as UTF-8, never longer than the sender's JSON
escapes), its provenance and sealed personal data (base64): under twice its size, so the server carries that."""


class Settings(BaseSettings):
    """Where the servers are and how the streams and services behave.

    With ``nats_url`` and ``database_url`` unset, ``jejak up`` starts its own servers under
    ``home`` on the ``embedded_*`` ports (all bound to 127.0.0.1).
    """

    model_config = SettingsConfigDict(env_prefix="JEJAK_", extra="ignore")

    nats_url: str | None = Field(default=None, description="e.g. nats://127.0.0.1:4222")
    database_url: str | None = Field(default=None, description="e.g. postgresql://jejak@127.0.0.1/jejak")
    owner_database_url: str | None = Field(
        default=None,
        description="The role that owns the event store, used by `jejak provision` only. Set it to a role other "
        "than the services' so that the services cannot update or delete stored events (grants plus triggers).",
    )
    database_roles: Literal["per-service", "shared"] = Field(
        default="per-service",
        description="per-service: each service logs in as its own role (`jejak_ingest`, `jejak_api`, ...), made "
        "by `jejak provision` with a separate owner and allowed only its job; shared: every service uses "
        "JEJAK_DATABASE_URL (a single-role database, where provisioning cannot make roles).",
    )
    ingest_database_url: str | None = Field(default=None, description="Ingest's own login; default: derived.")
    relay_database_url: str | None = Field(default=None, description="The relay's own login; default: derived.")
    projections_database_url: str | None = Field(default=None, description="The projections' login; default: derived.")
    checkpoints_database_url: str | None = Field(default=None, description="The checkpoints' login; default: derived.")
    api_database_url: str | None = Field(
        default=None,
        description="The API's own login. Unset, each service's login is JEJAK_DATABASE_URL with the user "
        "<user>_<service> (same password).",
    )
    home: Path = Field(default=Path(".jejak"), description="Data of the embedded servers.")
    audit_key_dir: Path | None = Field(
        default=None,
        description="Checkpoint signing keys (private key 0600); default: <home>/audit-keys. Keep it off the "
        "database server: whoever holds it can sign a rewritten history.",
    )
    checkpoint_interval_seconds: float = Field(
        default=300.0, gt=0, description="How often the store's head is signed when it has grown."
    )
    nats_credentials_file: Path | None = Field(
        default=None,
        description="NATS passwords written by `jejak nats-config`; services log in as `jejak` with it.",
    )
    senders_file: Path | None = Field(
        default=None,
        description="The sender map (TOML); None means the one shipped in services/senders.toml.",
    )

    embedded_nats_port: int = 14222
    embedded_nats_monitor_port: int = 18222
    embedded_postgres_port: int = 15432
    embedded_postgres_os_user: str = Field(
        default="nobody",
        description="PostgreSQL refuses to run as root; as root it runs as this user.",
    )
    embedded_postgres_shared_buffers: str = Field(
        default=SHARED_BUFFERS,
        pattern=r"^[1-9][0-9]*(kB|MB|GB)$",
        description="The embedded PostgreSQL's shared_buffers: enough for the store's indexes keeps a growing "
        "history as fast to write as a small one (docs/performance.md, Growth). A province wants several GB.",
    )
    nats_sync_always: bool = Field(
        default=True,
        description="fsync every JetStream write, so an acknowledged submission survives a power cut.",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_failed_sign_ins_per_minute: int = Field(
        default=20, ge=1, description="Wrong tokens one client address may present in a minute before a 429."
    )
    token_lifetime_days: int = Field(
        default=180, ge=1, le=3650, description="How long a new API token lives unless `--days` says otherwise."
    )
    demo_employees: int = Field(
        default=300, ge=1, description="Civil servants of the demo city `jejak up` loads on an empty embedded store."
    )
    demo_years: int = Field(default=5, ge=1, le=40, description="Years of the demo city's history, ending 2026.")
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the dashboard's session cookies; default: a key made once in <home>/web-session.key. "
        "Set the same secret on every API process behind one address.",
    )

    inbox_duplicate_window_seconds: float = Field(default=120.0, gt=0)
    events_duplicate_window_seconds: float = Field(default=3600.0, gt=0)
    consumer_ack_wait_seconds: float = Field(default=60.0, gt=0)

    ingest_batch_size: int = Field(
        default=500, ge=1, description="INBOX messages fetched and stored per transaction (and in flight at most)."
    )
    projection_batch_size: int = Field(
        default=500,
        ge=1,
        description="EVENTS messages applied to a read model per transaction (and in flight at most).",
    )
    ingest_cached_records: int = Field(
        default=20_000,
        ge=0,
        description="Records ingest keeps in memory between batches (0: read each from the store every time).",
    )
    max_message_bytes: int = Field(
        default=262_144,
        ge=4_096,
        le=8_388_608,
        description="Largest submission accepted: INBOX's max_msg_size; the NATS server's max_payload is "
        "MAX_PAYLOAD_FACTOR times it (what the relay publishes of one can be that much larger).",
    )
    max_json_depth: int = Field(default=32, ge=4, le=256, description="Deepest nesting of arrays and objects.")
    max_string_bytes: int = Field(
        default=16_384, ge=256, description="Longest JSON string (an object key too) as sent, escapes included."
    )
    max_json_items: int = Field(default=1_000, ge=16, description="Most items of one JSON array or object.")
    rejection_original_max_bytes: int = Field(
        default=65_536,
        ge=1_024,
        description="A refusal repeats an original up to this size; a larger one by its SHA-256, size and prefix.",
    )
    park_after_attempts: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Tries of a submission that fails for a fault of Jejak's own (neither a rule nor transient) "
        "before it is parked (jejak parked list) so that the ones after it go on.",
    )
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.05, gt=0)
    pull_timeout_seconds: float = Field(default=0.5, gt=0)
    retry_max_delay_seconds: float = Field(default=60.0, gt=0)

    def body_limits(self) -> BodyLimits:
        """The bounds ingest checks on a submission's bytes before parsing them."""
        return BodyLimits(self.max_message_bytes, self.max_json_depth, self.max_string_bytes, self.max_json_items)

    @property
    def nats_max_payload(self) -> int:
        """The NATS server's max_payload: room for what the relay publishes of the largest submission."""
        return max(MAX_PAYLOAD_FACTOR * self.max_message_bytes, 1_048_576)

    def service_database_url(self, database_url: str, service: str) -> str:
        """The login ``service`` uses (``services.database_roles``): its own setting, else derived."""
        if self.database_roles == "shared":
            return database_url
        given: str | None = getattr(self, f"{service}_database_url")
        return service_database_url(database_url, service, given)

    def signing_key_dir(self) -> Path:
        return (self.audit_key_dir or self.home / "audit-keys").resolve()
