"""The explicit provisioning step: database, schema, streams and consumers, all idempotent."""

import nats

from services.database import create_database_if_missing, provision_schema
from services.provision_streams import Provisioned, provision_streams
from services.senders import load_senders
from services.settings import Settings


async def provision(
    settings: Settings, nats_url: str, database_url: str, admin_database_url: str | None = None
) -> Provisioned:
    """Create what is missing, leave what matches, refuse on any difference (ProvisioningConflict)."""
    if admin_database_url is not None:
        create_database_if_missing(admin_database_url, database_url.rsplit("/", 1)[-1])
    provision_schema(database_url)
    connection = await nats.connect(nats_url, name="jejak-provision")
    try:
        return await provision_streams(connection.jetstream(), settings, load_senders(settings.senders_file))
    finally:
        await connection.close()
