#!/usr/bin/env bash
# Starts Debian's docker-registry on 127.0.0.1 with htpasswd authentication, in the background.
# Usage: start-registry.sh <state dir> <user> <password> [port]   (default port 5000)
# Prints the registry address; the registry's log is <state dir>/registry.log.
set -euo pipefail

state="${1:?state directory}"
user="${2:?user}"
password="${3:?password}"
port="${4:-5000}"

mkdir -p "$state/storage"
htpasswd -Bbn "$user" "$password" >"$state/htpasswd"
cat >"$state/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $state/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: stepoperator-test-registry
    path: $state/htpasswd
YAML

nohup docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
echo $! >"$state/registry.pid"

for _ in $(seq 1 50); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)"
  if [ "$code" = "401" ]; then
    echo "127.0.0.1:$port"
    exit 0
  fi
  sleep 0.2
done
echo "registry did not start; its log:" >&2
cat "$state/registry.log" >&2
exit 1
