#!/usr/bin/env bash
# Translation catalogs: extract every msgid from code and templates, merge into the catalogs,
# compile. Run after adding or changing user-visible text; then fill the new msgstr entries in
# examsvc/translations/*/LC_MESSAGES/messages.po and run it again to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
T=examsvc/translations
"$PYBABEL" extract -F "$T/babel.cfg" -k _l -k N_ --no-location --sort-output \
  --project examsvc --copyright-holder "examsvc" -o "$T/messages.pot" .
for lang in zh_Hans_CN; do  # English is the msgid language: no catalog needed
  if [ -f "$T/$lang/LC_MESSAGES/messages.po" ]; then
    "$PYBABEL" update --no-fuzzy-matching --ignore-obsolete -i "$T/messages.pot" -d "$T" -l "$lang"
  else
    "$PYBABEL" init -i "$T/messages.pot" -d "$T" -l "$lang"
  fi
done
"$PYBABEL" compile --statistics -d "$T"
