# One image for every process of Scolarité services; the command chooses which
# (docs/operations.md, "Container image"):
#   python -m common.runner <service>      a Nameko service (accounts, mailer, notes, ...)
#   gunicorn gateway.wsgi:app ...          the gateway (the default command below): families'
#                                          pages on 8000; /readyz and /metrics only on 9100
#                                          (SCOLARITE_INTERNAL_PORT, gateway/operability.py)
#   python -m common.migrate <service>...  the migrations, before a rollout
#   python -m common.migrate --check <s>   exits 1 while <s>'s database is behind this image
#
#   docker build -t scolarite-services:<version> .

# The DSFR, at the version package-lock.json pins (its install scripts are not needed).
FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    SCOLARITE_VAR_DIR=/tmp/scolarite \
    SCOLARITE_DSFR_DIST=/app/node_modules/@gouvfr/dsfr/dist \
    SCOLARITE_INTERNAL_PORT=9100 \
    SCOLARITE_LOG_FORMAT=json
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --from=assets /build/node_modules/@gouvfr/dsfr/dist /app/node_modules/@gouvfr/dsfr/dist
COPY common ./common
COPY contract ./contract
COPY services ./services
COPY gateway ./gateway
COPY deploy ./deploy
COPY tools ./tools
RUN python -m compileall -q common contract services gateway deploy tools \
    && groupadd --gid 10001 scolarite && useradd --uid 10001 --gid 10001 --no-create-home scolarite
USER 10001:10001
# The gateway's public port; 9100: every service's health and metrics port
# (SCOLARITE_HEALTH_PORT) and the gateway's internal one (SCOLARITE_INTERNAL_PORT).
EXPOSE 8000 9100
# gateway.gunicorn_conf: the workers and threads (common/academie.py), every worker's metrics summed
# at each scrape (PROMETHEUS_MULTIPROC_DIR).
CMD ["gunicorn", "gateway.wsgi:app", "--bind", "0.0.0.0:8000", "--bind", "0.0.0.0:9100", \
     "--config", "python:gateway.gunicorn_conf", \
     "--access-logfile", "-", "--logger-class", "gateway.wsgi.AccessLogger"]
