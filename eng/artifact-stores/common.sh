# Shared by start-s3rver.sh and start-azurite.sh (sourced, not run).
# start_server <name> <data dir> <port> <probe url> <command...>
#   starts <command> in the background with its output in <data dir>/<name>.log, writes its
#   process id to <data dir>/<name>.pid and returns once <probe url> answers any HTTP status.

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ ! -d "$here/node_modules" ]; then
  echo "eng/artifact-stores/node_modules is missing; run 'npm ci' in eng/artifact-stores first." >&2
  exit 1
fi

start_server() {
  local name="$1" data="$2" port="$3" probe="$4"
  shift 4
  mkdir -p "$data/storage"

  # A server already on the port would answer the probe below in place of this one.
  if ! node -e "const s = require('net').createServer().once('error', () => process.exit(1)).listen(+process.argv[1], '127.0.0.1', () => s.close(() => process.exit(0)))" "$port"; then
    echo "$name cannot start: 127.0.0.1:$port is in use." >&2
    exit 1
  fi

  nohup "$@" >"$data/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$data/$name.pid"

  # Node answers the probe itself: no curl needed, and any status (403 without credentials) means up.
  for _ in $(seq 1 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited while starting; its log:" >&2
      cat "$data/$name.log" >&2
      exit 1
    fi
    if node -e "require('http').get(process.argv[1], r => process.exit(0)).on('error', () => process.exit(1))" "$probe" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done

  echo "$name did not answer at $probe within 20 seconds; its log:" >&2
  cat "$data/$name.log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
}
