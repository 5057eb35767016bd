#!/usr/bin/env bash
# Install Nätverksarkivet into .venv and start the app on corpus/ (the index is built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/python -m streamlit run app.py \
  --server.address "${ARKIV_ADDRESS:-127.0.0.1}" --server.port "${ARKIV_PORT:-8501}" \
  --server.headless true --browser.gatherUsageStats false
