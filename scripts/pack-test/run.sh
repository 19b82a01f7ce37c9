#!/usr/bin/env bash
# The packaging test (CI entry): builds the packages, makes sure Chromium is there, then packs
# them and checks them installed from their tarballs outside the workspace (see run.mjs).
# Usage: scripts/pack-test/run.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/ensure-chromium.sh
npx -y pnpm@12.4.2 build --output-logs=errors-only
node scripts/pack-test/run.mjs "$@"
