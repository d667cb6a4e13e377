"""The explicit provisioning step: database, schema, streams and consumers, all idempotent."""

from dataclasses import replace

import nats

from services.audit.keys import ensure_key
from services.database import create_database_if_missing, provision_schema
from services.database_urls import SERVICE_NAMES
from services.provision_streams import Provisioned, provision_streams
from services.senders import load_senders
from services.settings import Settings
from services.store_roles import RoleError

ONE_ROLE_WARNING = (
    "the services' database role owns the event store: triggers refuse updates and deletes, but that role "
    "could drop them; set JEJAK_OWNER_DATABASE_URL to a separate owner (signed checkpoints still detect a rewrite)"
)


async def provision(
    settings: Settings,
    nats_url: str,
    database_url: str,
    admin_database_url: str | None = None,
    owner_database_url: str | None = None,
) -> Provisioned:
    """Create what is missing, leave what matches, refuse on any difference (ProvisioningConflict).

    The checkpoint signing key is made on first provisioning (its folder is named in the result).
    """
    if admin_database_url is not None:
        create_database_if_missing(admin_database_url, database_url.rsplit("/", 1)[-1])
    per_service = settings.database_roles == "per-service"
    logins = {service: settings.service_database_url(database_url, service) for service in SERVICE_NAMES}
    separate = provision_schema(
        database_url, owner_database_url or settings.owner_database_url, logins if per_service else {}
    )
    if not separate and per_service:
        raise RoleError(
            "each service logs in as its own database role (JEJAK_DATABASE_ROLES=per-service), which only a "
            "separate owner can make: set JEJAK_OWNER_DATABASE_URL, or JEJAK_DATABASE_ROLES=shared to let every "
            "service use JEJAK_DATABASE_URL"
        )
    key, made = ensure_key(settings.signing_key_dir())
    connection = await nats.connect(nats_url, name="jejak-provision")
    try:
        done = await provision_streams(connection.jetstream(), settings, load_senders(settings.senders_file))
    finally:
        await connection.close()
    if made:
        done = replace(
            done, created=(*done.created, f"checkpoint signing key {key.key_id} in {settings.signing_key_dir()}")
        )
    if not separate:
        done = replace(done, warnings=(*done.warnings, ONE_ROLE_WARNING))
    return done
