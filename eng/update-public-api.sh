#!/usr/bin/env bash
# Writes what the library packages' public API now is into their PublicAPI.Unshipped.txt files. It builds each
# project, takes PublicApiAnalyzers' findings (RS0016: a public symbol the files lack, with the line to add;
# RS0017: a line whose symbol is gone or no longer public) and applies them. Run it after a deliberate API
# change and review the diff of the files: that diff is the change to what users can call.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
[ ${#projects[@]} -gt 0 ] || projects=(src/StepOperator.Runtime src/StepOperator.Docker src/StepOperator.Modal src/StepOperator.S3 src/StepOperator.Azure)
for project in "${projects[@]}"; do
  log=$(mktemp)
  # Rebuild so that every finding is reported again; the findings are warnings here, not errors.
  dotnet build "$project" --no-incremental -nologo -v q -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= > "$log" 2>&1 || true
  unshipped="$project/PublicAPI.Unshipped.txt"
  shipped="$project/PublicAPI.Shipped.txt"
  added=$(grep -F "warning RS0016" "$log" | grep -F "[$PWD/$project/" | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
  removed=$(grep -F "warning RS0017" "$log" | grep -F "[$PWD/$project/" | sed -E "s/.*Symbol '(.*)' is part of the declared API.*/\1/" | sort -u || true)
  rm -f "$log"
  for file in "$unshipped" "$shipped"; do
    [ -n "$removed" ] || break
    body=$(grep -vxF -f <(printf '%s\n' "$removed") "$file" || true)
    printf '%s\n' "$body" > "$file"
  done
  { head -n 1 "$unshipped"; { tail -n +2 "$unshipped"; [ -z "$added" ] || printf '%s\n' "$added"; } | grep -v '^$' | LC_ALL=C sort -u; } > "$unshipped.new"
  mv "$unshipped.new" "$unshipped"
  echo "$project: $(printf '%s' "$added" | grep -c . || true) added, $(printf '%s' "$removed" | grep -c . || true) removed"
done
