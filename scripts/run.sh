#!/usr/bin/env bash
# Quick start: install, build or migrate the SQLite database, load the demo data, serve.
#   scripts/run.sh            serves http://127.0.0.1:5000 (PORT=8080 scripts/run.sh for another port)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# wkhtmltopdf and CJK fonts print papers and certificates.
ensure_system_packages wkhtmltopdf fonts-noto-cjk
ensure_venv ""

export EXAMSVC_INSTANCE_DIR=${EXAMSVC_INSTANCE_DIR:-$PWD/instance}
.venv/bin/examsvc db upgrade
.venv/bin/examsvc demo load
echo
echo "examsvc is at http://127.0.0.1:${PORT:-5000}  (Ctrl-C stops it)"
exec .venv/bin/examsvc run --host 127.0.0.1 --port "${PORT:-5000}"
