#!/usr/bin/env bash
# Starts dockerd in the background when no engine answers, and waits until it does.
# Usage: start-dockerd.sh [log file]
set -euo pipefail
log="${1:-/tmp/stepoperator-dockerd.log}"
docker_cli="${DOCKER_CLI:-/usr/bin/docker}"

if "$docker_cli" info >/dev/null 2>&1; then
  echo "Docker engine already running"
  exit 0
fi

nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if "$docker_cli" info >/dev/null 2>&1; then
    echo "Docker engine started ($("$docker_cli" version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "dockerd did not start; its log:" >&2
tail -40 "$log" >&2
exit 1
