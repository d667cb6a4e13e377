"""Which NATS login a ``jejak`` command uses: the services' user, or a sender's for ``jejak publish``.

A URL that carries a login is used as it is (an external server's logins are the operator's
business). Otherwise the login comes from ``JEJAK_NATS_CREDENTIALS_FILE`` (compose), or, for
the embedded default, from the credentials ``jejak up`` keeps under ``JEJAK_HOME``.
"""

from services.runtime.embedded import nats_data_dir
from services.runtime.nats_auth import CREDENTIALS_FILE, SERVICES_USER, NatsCredentials, has_login, load_credentials
from services.settings import Settings


def nats_address(settings: Settings) -> str:
    return settings.nats_url or f"nats://127.0.0.1:{settings.embedded_nats_port}"


def nats_credentials(settings: Settings) -> NatsCredentials | None:
    if settings.nats_credentials_file is not None:
        return load_credentials(settings.nats_credentials_file)
    embedded = nats_data_dir(settings.home.resolve()) / CREDENTIALS_FILE
    if settings.nats_url is None and embedded.exists():
        return load_credentials(embedded)
    return None


def nats_url_as(settings: Settings, user: str) -> str:
    """The NATS URL for ``user``, when a login for it is known; the plain address otherwise."""
    address = nats_address(settings)
    credentials = None if has_login(address) else nats_credentials(settings)
    return address if credentials is None else credentials.url(address, user)


def services_nats_url(settings: Settings) -> str:
    return nats_url_as(settings, SERVICES_USER)
