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

USER jejak
CMD ["jejak", "--help"]
