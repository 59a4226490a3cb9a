#!/usr/bin/env bash
# Debian packages the tests use: bubblewrap (detente.sandbox), Chromium and its driver (the
# registry web page test), the C toolchain (llama-cpp-python builds from source), libarchive
# (detente scan opens 7z/RAR/… archives through it), Node.js (the range confirms JavaScript answers).
set -euo pipefail
pkgs=(bubblewrap chromium chromium-driver build-essential cmake libarchive13 nodejs)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
