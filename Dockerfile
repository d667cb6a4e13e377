# One image for every Jejak service; compose.yaml picks the service with its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 jejak
WORKDIR /app

COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY domain ./domain
COPY projections ./projections
COPY services ./services
RUN pip install .
# The compose volume for NATS logins is mounted here; a new volume takes this owner.
RUN mkdir -p /var/lib/jejak/nats /var/lib/jejak/audit-keys \
    && chown jejak:jejak /var/lib/jejak/nats /var/lib/jejak/audit-keys

USER jejak
CMD ["jejak", "--help"]
