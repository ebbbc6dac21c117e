#!/usr/bin/env bash
# TypeScript types from the compute OpenAPI description, one .d.ts per resource file.
# With --check: fail when a generated file is out of date (run by `npm test`).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p schema/generated/compute
for spec in schema/openapi/compute/*.yaml; do
  name=$(basename "$spec" .yaml)
  npx --no-install openapi-typescript "$spec" -o "schema/generated/compute/$name.d.ts" "$@" >/dev/null
done
