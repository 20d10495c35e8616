# Shared by run.sh and test.sh: system packages, Python and the virtualenv.
# shellcheck shell=bash

# Debian packages the app and its tests need, installed when missing and we may (root or
# passwordless sudo); otherwise stop and name them.
ensure_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "examsvc needs these Debian packages: ${missing[*]}" >&2
      echo "Install them as root:  apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "==> installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "examsvc needs Python 3.11 or newer (Debian: apt-get install -y python3 python3-venv)" >&2
  exit 1
}

# Create .venv when missing and install the project into it (editable), with the given extras.
ensure_venv() {
  local extras="$1"
  if [ ! -x .venv/bin/python ]; then
    local python
    python=$(find_python)
    echo "==> creating .venv with $python"
    "$python" -m venv .venv || {
      echo "could not create a virtualenv (Debian: apt-get install -y python3-venv)" >&2
      exit 1
    }
    # setuptools too: the one a new venv carries is old, with advisories (scripts/audit_dependencies.py)
    .venv/bin/python -m pip install --quiet --upgrade pip setuptools
  fi
  echo "==> installing examsvc${extras} into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}" 2>&1 |
    grep -v "^WARNING: Location 'file:" || true
  .venv/bin/python -c "import examsvc" # fail here, clearly, if the install did not work
}
