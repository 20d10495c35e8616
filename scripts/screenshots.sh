#!/usr/bin/env bash
# Refresh docs/screenshots/ from the browser tests (tests/docs_screenshots.py), then review and commit them.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMSVC_DOCS_SCREENSHOTS=1 scripts/test.sh -m browser -q "$@"
ls -l docs/screenshots/
