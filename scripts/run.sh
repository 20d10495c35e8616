#!/usr/bin/env bash
# Quick start: install, build or migrate the database, serve.
#   scripts/run.sh                 one process on SQLite with the demo data: http://127.0.0.1:5000
#                                  (PORT=8080 scripts/run.sh for another port)
#   scripts/run.sh --production    gunicorn with several workers on PostgreSQL and Redis:
#                                  http://127.0.0.1:8000 (PORT, WORKERS, EXAMSVC_DATABASE_URL,
#                                  EXAMSVC_REDIS_URL, EXAMSVC_SECRET_KEY, EXAMSVC_KEY_DIR to change)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

if [ -z "${EXAMSVC_SKIP_INSTALL:-}" ]; then  # set it where the venv is managed otherwise (tests)
  # wkhtmltopdf and CJK fonts print papers and certificates.
  ensure_system_packages wkhtmltopdf fonts-noto-cjk
  ensure_venv ""
fi

export EXAMSVC_INSTANCE_DIR=${EXAMSVC_INSTANCE_DIR:-$PWD/instance}

if [ "${1:-}" != "--production" ]; then
  PORT=${PORT:-5000}
  # The address in every QR code printed here: this port, unless told otherwise.
  export EXAMSVC_BASE_URL=${EXAMSVC_BASE_URL:-http://127.0.0.1:$PORT}
  .venv/bin/examsvc db upgrade
  .venv/bin/examsvc demo load
  echo
  echo "examsvc is at http://127.0.0.1:$PORT  (Ctrl-C stops it)"
  exec .venv/bin/examsvc run --host 127.0.0.1 --port "$PORT"
fi

# Production: stateless workers; everything they share is in PostgreSQL, Redis and the key folder.
PORT=${PORT:-8000}
export EXAMSVC_ENV=production
if [ -z "${EXAMSVC_BASE_URL:-}" ]; then
  # Production refuses an http or loopback address (QR codes would point nowhere) unless told to.
  echo "note: EXAMSVC_BASE_URL=http://127.0.0.1:$PORT for this machine only; set the public https address"
  export EXAMSVC_BASE_URL=http://127.0.0.1:$PORT EXAMSVC_ALLOW_INSECURE_BASE_URL=true
fi
export EXAMSVC_DATABASE_URL=${EXAMSVC_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/examsvc}
export EXAMSVC_REDIS_URL=${EXAMSVC_REDIS_URL:-redis://127.0.0.1:6379/0}
export EXAMSVC_KEY_DIR=${EXAMSVC_KEY_DIR:-$EXAMSVC_INSTANCE_DIR/keys}
mkdir -p "$EXAMSVC_INSTANCE_DIR" && chmod 700 "$EXAMSVC_INSTANCE_DIR"
# The workers' metrics meet in files here (/metrics sums them); a new server starts from zero.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$EXAMSVC_INSTANCE_DIR/prometheus}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete
if [ -z "${EXAMSVC_SECRET_KEY:-}" ]; then
  # Kept beside the instance so that restarts keep sessions; on real servers set it from a secret store.
  secret_file="$EXAMSVC_INSTANCE_DIR/production_secret_key"
  [ -s "$secret_file" ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > "$secret_file")
  EXAMSVC_SECRET_KEY=$(cat "$secret_file")
  export EXAMSVC_SECRET_KEY
fi
if [ -z "${EXAMSVC_COOKIE_SECURE:-}" ]; then
  # Plain http on this machine only; behind TLS leave it unset (Secure cookies are the default).
  echo "note: EXAMSVC_COOKIE_SECURE=false for http://127.0.0.1; serve through TLS on a real network"
  export EXAMSVC_COOKIE_SECURE=false
fi
case "$EXAMSVC_DATABASE_URL" in
  postgresql*@127.0.0.1:5432/examsvc)
    psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'examsvc'" | grep -q 1 ||
      createdb -h 127.0.0.1 -U postgres examsvc ;;
esac
.venv/bin/examsvc keys init
.venv/bin/examsvc db upgrade
echo
echo "examsvc (production, ${WORKERS:-4} workers) is at http://127.0.0.1:$PORT/  health: /healthz"
echo "new installation: .venv/bin/examsvc orgs create --kind bureau --code 450100 --name '…市应急管理局'"
echo "                  .venv/bin/examsvc users create --username admin --role admin --org-code 450100"
# No gunicorn access log: it would write raw paths (certificate tokens); the app logs routes instead.
exec .venv/bin/gunicorn --bind "127.0.0.1:$PORT" --workers "${WORKERS:-4}" \
  --worker-class gthread --threads 4 --graceful-timeout 20 --config scripts/gunicorn_conf.py \
  "examsvc:create_app()"
