# The platform's production image: `docker build -t stomi .`; run by compose.yaml (docker compose up).
# Three stages: the DKFDS assets from npm, the Python environment with compiled catalogues, and a slim runtime that
# holds no compiler, no npm and no secret (every secret comes from the environment at run time).

# --- 1. Front-end assets, exactly as locked (no axe-core: that is for the tests) --------------------------------------
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- 2. The Python environment: exact versions from constraints.txt, message catalogues compiled ----------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
COPY pyproject.toml constraints.txt ./
# Every package of pyproject's packages.find (tests/test_container.py checks the list).
COPY stomi_app stomi_app
COPY citizens citizens
COPY grants grants
COPY ordering ordering
COPY care care
COPY privacy privacy
COPY decisions decisions
COPY organisation organisation
COPY usage_statistics usage_statistics
COPY catalogue catalogue
COPY fulfilment fulfilment
COPY invoicing invoicing
COPY notices notices
COPY citizen_portal citizen_portal
COPY nurse_console nurse_console
COPY municipal_portal municipal_portal
COPY municipal_api municipal_api
COPY callcenter callcenter
COPY fsc_admin fsc_admin
COPY translations translations
# Editable, as in development: the app finds translations/ and node_modules/ beside its packages in /app.
RUN /opt/venv/bin/pip install -c constraints.txt -e . \
 && /opt/venv/bin/pybabel compile -d translations \
 && find /app -name __pycache__ -prune -exec rm -rf {} +

# --- 3. Runtime ---------------------------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STOMI_ENV=production \
    STOMI_LOG_FORMAT=json \
    STOMI_BIND=0.0.0.0:8000 \
    STOMI_INSTANCE_PATH=/var/lib/stomi
RUN groupadd --system --gid 10001 stomi \
 && useradd --system --uid 10001 --gid stomi --home-dir /var/lib/stomi --shell /usr/sbin/nologin stomi \
 && install -d -o stomi -g stomi -m 0700 /var/lib/stomi
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=assets /app/node_modules/dkfds /app/node_modules/dkfds
WORKDIR /app
# A numeric user, so an orchestrator can tell it is not root without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
# Ready means: the database answers and is at this code's migration head, and Redis answers (see /readyz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
CMD ["stomi", "serve"]
