#!/usr/bin/env bash
# Starts Azurite's Blob service (a local Azure Storage emulator) on 127.0.0.1 in the background.
# Usage: start-azurite.sh <data dir> [port]   (default port 10000)
# Blobs go to <data dir>/storage, the log to <data dir>/azurite.log, the process id to
# <data dir>/azurite.pid (stop it with: kill "$(cat <data dir>/azurite.pid)").
# Prints the account endpoint, http://127.0.0.1:<port>/devstoreaccount1; clients sign with
# Azurite's well-known development account devstoreaccount1 and its documented shared key.
set -euo pipefail
source "$(dirname "$0")/common.sh"

data="$(mkdir -p "${1:?data directory}" && cd "$1" && pwd)"
port="${2:-10000}"

# --skipApiVersionCheck: Azure.Storage.Blobs may speak a newer service version than this Azurite
# knows (12.30.1 sends 2026-10-06; Azurite 3.37.0 knows up to 2026-06-06); the calls the artifact
# store makes are the same in both. --disableTelemetry: nothing leaves this machine.
start_server azurite "$data" "$port" "http://127.0.0.1:$port/devstoreaccount1?comp=list" \
  node "$here/node_modules/azurite/dist/src/blob/main.js" \
  --blobHost 127.0.0.1 --blobPort "$port" --location "$data/storage" \
  --silent --skipApiVersionCheck --disableTelemetry
echo "http://127.0.0.1:$port/devstoreaccount1"
