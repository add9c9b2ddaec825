#!/usr/bin/env bash
# Stops what deploy/local/up.sh started.
set -uo pipefail
cd "$(dirname "$0")/../.."
for pidfile in .data/run/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null; rm -f "$pidfile"
done
[ -x .venv/bin/m2c ] && .venv/bin/m2c pg stop
deploy/kafka/kafka.sh stop .data/kafka
echo "m2c production mode stopped"
