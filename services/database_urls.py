"""Each service's database login: named after the services' role (``jejak`` -> ``jejak_ingest``).

Kept apart from the grants (``services.database_roles``) so that the settings can name a service's
login without importing the read models.
"""

from psycopg import conninfo

INGEST, RELAY, PROJECTIONS, CHECKPOINTS, API = "ingest", "relay", "projections", "checkpoints", "api"
SERVICE_NAMES = (INGEST, RELAY, PROJECTIONS, CHECKPOINTS, API)


def service_role(services_role: str, service: str) -> str:
    return f"{services_role}_{service}"


def service_database_url(database_url: str, service: str, given: str | None = None) -> str:
    """The URL ``service`` logs in with: ``given`` (its own setting) when set, else the services' URL under
    the service's role (same host, database and password)."""
    if given:
        return given
    user = conninfo.conninfo_to_dict(database_url).get("user")
    if not user:
        raise ValueError("JEJAK_DATABASE_URL names no user: the services' logins are named after it")
    return conninfo.make_conninfo(database_url, user=service_role(str(user), service))
