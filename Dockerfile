# syntax=docker/dockerfile:1
# ginbot's image. Build: `docker build -t ginbot .` (BuildKit, the default since Docker 23).
# Run it through compose.yaml, or alone on SQLite:
#   docker run -p 8080:8080 -v ginbot-data:/var/lib/ginbot -e GINBOT_ADMIN_PASSWORD=... ginbot
# Every setting comes from GINBOT_* environment variables; docs/operations.md lists them all.

# --- builder: ginbot's own wheel (its dependencies come from requirements.lock below) --------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY ginbot/ ginbot/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- runtime ----------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="ginbot" \
      org.opencontainers.image.description="Thai helpdesk bot for the GIN Conference v8 to v9 migration" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Every dependency exactly as pinned in requirements.lock (`make lock`), each download checked against its
# sha256: a tampered or re-uploaded package fails the build. Then ginbot itself, with --no-deps, so nothing
# unpinned slips in. Both files are bind-mounted, so neither becomes an image layer.
RUN --mount=type=bind,source=requirements.lock,target=/tmp/requirements.lock \
    pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --no-deps /wheels/ginbot-*.whl

# A fixed numeric id so volume ownership is predictable on the host; /var/lib/ginbot holds the SQLite
# database when no PostgreSQL is configured.
RUN groupadd --system --gid 10001 ginbot \
    && useradd --system --uid 10001 --gid ginbot --create-home --home-dir /home/ginbot \
       --shell /usr/sbin/nologin ginbot \
    && install -d -o ginbot -g ginbot -m 0750 /var/lib/ginbot

# ginbot reads its campaign data and intents from disk; settings.data_dir / intents_dir default to the
# source tree, which an installed wheel does not have, hence the explicit paths below. They stay owned
# by root: the bot only reads them. The NLU finds data/external/ next to intents/ (both under /app).
WORKDIR /app
COPY data/ /app/data/
COPY intents/ /app/intents/

ENV GINBOT_HOST=0.0.0.0 \
    GINBOT_PORT=8080 \
    GINBOT_DATA_DIR=/app/data \
    GINBOT_INTENTS_DIR=/app/intents \
    GINBOT_DATABASE_URL=sqlite+aiosqlite:////var/lib/ginbot/ginbot.db

# Fail the build, not the first reminder, if the base image ever lacks the time-zone database.
RUN python -c "import zoneinfo; zoneinfo.ZoneInfo('Asia/Bangkok')" \
    && ginbot --help > /dev/null

USER 10001:10001
EXPOSE 8080

# slim has no curl; urllib raises on any non-2xx, and /healthz answers 503 when the database is down
# or the server is shutting down. ProxyHandler({}) ignores HTTP(S)_PROXY, which an operator may set for
# the way out to LINE and Telegram but which must not catch this loopback request. start-period covers the schema upgrade and training the NLU.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/healthz' % os.environ.get('GINBOT_PORT', '8080'), timeout=4)"]

# `exec` makes ginbot PID 1's direct replacement, so `docker stop`'s SIGTERM reaches it and it shuts down
# gracefully instead of being killed after the grace period.
CMD ["sh", "-c", "ginbot db upgrade && exec ginbot serve"]
