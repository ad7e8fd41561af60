#!/usr/bin/env bash
# Create (or reuse) the side environment of the official FOCUS validator, focus-validator 2.2.1.
#
# focus-validator 2.x needs Python >= 3.12 and pins numpy < 2, so it cannot live in the project's
# Python 3.11 venv. It gets its own venv, and `'pyarrow<22'` keeps pyarrow compatible with numpy 1.x
# (pyarrow 26 needs numpy >= 2 and breaks it at runtime).
#
#   scripts/focus_validator_env.sh          # prints the venv path on the last line of stdout
#   COSTLINE_FOCUS_VALIDATOR_VENV=/some/dir scripts/focus_validator_env.sh
#
# Idempotent: an existing venv whose focus-validator reports 2.2.1 is reused as is.
set -euo pipefail

VERSION="2.2.1"
VENV="${COSTLINE_FOCUS_VALIDATOR_VENV:-$HOME/.cache/costline/focus-validator-${VERSION}}"

installed_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("focus-validator"))' \
        2>/dev/null || true
}

if [[ -x "$VENV/bin/focus-validator" && "$(installed_version)" == "$VERSION" ]]; then
    echo "$VENV"
    exit 0
fi

find_python() {
    local py=""
    if command -v pyenv >/dev/null 2>&1; then
        py="$(PYENV_VERSION=3.12.1 pyenv which python3.12 2>/dev/null || true)"
    fi
    if [[ -z "$py" ]] && command -v python3.12 >/dev/null 2>&1; then
        py="$(command -v python3.12)"
        # a pyenv shim without a selected 3.12 fails here; fall through to uv then
        "$py" -c 'import sys' >/dev/null 2>&1 || py=""
    fi
    if [[ -z "$py" ]] && command -v uv >/dev/null 2>&1; then
        py="$(uv python find 3.12 2>/dev/null || true)"
    fi
    echo "$py"
}

PY="$(find_python)"
if [[ -z "$PY" ]]; then
    echo "focus_validator_env: no Python 3.12 found (tried pyenv 3.12.1, python3.12 on PATH," \
        "uv python find 3.12); install one, e.g. 'pyenv install 3.12.1'" >&2
    exit 3
fi

echo "focus_validator_env: creating $VENV with $PY" >&2
mkdir -p "$(dirname "$VENV")"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "focus-validator==${VERSION}" 'pyarrow<22' >&2

if [[ "$(installed_version)" != "$VERSION" ]]; then
    echo "focus_validator_env: install finished but focus-validator $VERSION is not importable" >&2
    exit 4
fi
echo "$VENV"
