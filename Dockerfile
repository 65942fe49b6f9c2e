# The ledger's one image: `ledger serve` (API) and `ledger projections run` (projector).
# Configured only by environment variables (see docker-compose.yml and src/ledger/settings.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# psycopg[binary] brings its own libpq: no compiler or system libraries needed.
COPY pyproject.toml README.md ./
COPY src ./src
COPY projections ./projections
RUN pip install . && useradd --system --uid 10001 --home-dir /app ledger

USER ledger
ENV LEDGER_HOST=0.0.0.0 \
    LEDGER_PORT=8000 \
    LEDGER_LOG_JSON=1
EXPOSE 8000
# Health checks are per service in docker-compose.yml (the projector serves no HTTP).
CMD ["ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
