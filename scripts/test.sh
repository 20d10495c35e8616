#!/usr/bin/env bash
# The whole test suite: lint, format check, tests (browser tests included).
#   scripts/test.sh                         on SQLite
#   EXAMSVC_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test scripts/test.sh
# Extra arguments go to pytest (e.g. scripts/test.sh -k audit).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# chromium: browser tests; wkhtmltopdf, fonts, poppler (pdftotext/pdftoppm): PDF tests.
ensure_system_packages chromium wkhtmltopdf fonts-noto-cjk poppler-utils
ensure_venv "[dev]"
# Node: independent JOSE and Token Status List implementations (tests/test_jose_matrix.py).
command -v npm >/dev/null || ensure_system_packages nodejs npm
[ -d tests/node/node_modules ] || npm ci --prefix tests/node --no-audit --no-fund --silent

# The checks of the code itself do not depend on the database: a second pass on another database
# (.ci/run) skips them with EXAMSVC_SKIP_STATIC_CHECKS=1.
if [ -z "${EXAMSVC_SKIP_STATIC_CHECKS:-}" ]; then
  echo "==> ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "==> bandit (medium and high; each accepted finding says why beside its # nosec)"
  .venv/bin/bandit -q -r examsvc -ll
  echo "==> known vulnerabilities of the installed packages (PyPI's advisory data; pip-audit cannot run here)"
  .venv/bin/python scripts/audit_dependencies.py
fi

echo "==> pytest (${EXAMSVC_TEST_DATABASE_URL:-sqlite})"
exec .venv/bin/pytest -q "$@"
