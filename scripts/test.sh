#!/usr/bin/env bash
# Install everything the tests need (from Debian: Chromium for the browser tests, tesseract
# with its Swedish model and poppler's pdftoppm for the OCR test; CPU torch; the project with
# its test and model extras in .venv), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx swe; then
  missing+=(tesseract-ocr tesseract-ocr-swe)
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU build of torch (a bare `torch` would pull a multi-GB CUDA build).
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e '.[models,test]'
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest -q -ra "$@"
