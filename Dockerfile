# The ledger's one image: `ledger serve` (API), `ledger projections run` (projector) and the
# one-shot commands (`ledger init`, `ledger demo load`, `ledger keys create`, exports).
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
# The runtime user (uid 10001) owns every directory the ledger writes: the SQLite store and
# its token secret (data), the digest signing keys (keys), the digests the projector signs
# (digests) and exports. Named volumes mounted there start with this ownership.
RUN pip install . \
    && groupadd --system --gid 10001 ledger \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/ledger --no-create-home ledger \
    && install -d -o 10001 -g 10001 -m 0750 \
        /var/lib/ledger \
        /var/lib/ledger/data \
        /var/lib/ledger/keys \
        /var/lib/ledger/digests \
        /var/lib/ledger/exports

USER 10001
WORKDIR /var/lib/ledger
ENV LEDGER_STORE=sqlite:////var/lib/ledger/data/ledger.sqlite3 \
    LEDGER_HOME=/var/lib/ledger/data \
    LEDGER_KEY_DIR=/var/lib/ledger/keys \
    LEDGER_HOST=0.0.0.0 \
    LEDGER_PORT=8000 \
    LEDGER_LOG_JSON=1
EXPOSE 8000
# Alone (`docker run -p 8000:8000 -v ledger-data:/var/lib/ledger/data IMAGE`): SQLite in the
# data volume, created on the first start. Health checks are per service in docker-compose.yml.
CMD ["ledger", "serve", "--init", "--host", "0.0.0.0", "--port", "8000"]
