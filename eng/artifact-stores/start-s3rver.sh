#!/usr/bin/env bash
# Starts s3rver (a local S3-compatible server) on 127.0.0.1 in the background.
# Usage: start-s3rver.sh <data dir> [port]   (default port 4568)
# Objects go to <data dir>/storage, the log to <data dir>/s3rver.log, the process id to
# <data dir>/s3rver.pid (stop it with: kill "$(cat <data dir>/s3rver.pid)").
# Prints the endpoint, http://127.0.0.1:<port>; clients sign with s3rver's fixed credentials,
# access key id S3RVER and secret access key S3RVER, path-style, region us-east-1.
set -euo pipefail
source "$(dirname "$0")/common.sh"

data="$(mkdir -p "${1:?data directory}" && cd "$1" && pwd)"
port="${2:-4568}"

# Not --silent: its log, a line per request and per stored part, is how the tests see the
# multipart calls.
start_server s3rver "$data" "$port" "http://127.0.0.1:$port/" \
  node "$here/node_modules/s3rver/bin/s3rver.js" \
  --directory "$data/storage" --address 127.0.0.1 --port "$port"
echo "http://127.0.0.1:$port"
