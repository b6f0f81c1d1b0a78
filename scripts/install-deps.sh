#!/usr/bin/env bash
# Installs what domainforge needs to build and test: the Debian -dev packages of the system libraries, the zstd and
# gzip tools used by tests, Unicode's data files (unicode-data: NormalizationTest.txt for the normalization conformance
# test, bzip2 to read it), and the Python references used by compatibility tests (tokenizers, numpy; mistral-common,
# which ships Mistral's tekken.json and its Tekkenizer; rank-bm25, the BM25 reference of the retrieval tests;
# gguf, llama.cpp's reader of GGUF files).
# Idempotent: skips what is already there.
set -euo pipefail
pkgs=(libzstd-dev libsqlite3-dev libxml2-dev zlib1g-dev libssl-dev libopenblas-dev libicu-dev libuchardet-dev libopencc-dev pkg-config zstd gzip unicode-data bzip2)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if command -v python3 >/dev/null 2>&1; then
  python3 -c "import tokenizers, numpy" 2>/dev/null || \
    python3 -m pip install --quiet --disable-pip-version-check tokenizers numpy 2>/dev/null || \
    echo "note: could not pip install tokenizers/numpy; the compatibility tests that need them will skip"
fi
if command -v python3 >/dev/null 2>&1; then
  python3 -c "import mistral_common" 2>/dev/null || \
    python3 -m pip install --quiet --disable-pip-version-check mistral-common 2>/dev/null || \
    echo "note: could not pip install mistral-common; the tekken parity tests will skip"
fi
if command -v python3 >/dev/null 2>&1; then
  python3 -c "import rank_bm25" 2>/dev/null || \
    python3 -m pip install --quiet --disable-pip-version-check rank-bm25 2>/dev/null || \
    echo "note: could not pip install rank-bm25; the BM25 reference test will skip"
  python3 -c "import gguf" 2>/dev/null || \
    python3 -m pip install --quiet --disable-pip-version-check gguf 2>/dev/null || \
    echo "note: could not pip install gguf; the GGUF read-back test will skip"
fi
