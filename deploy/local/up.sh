#!/usr/bin/env bash
# Production mode on one machine: a Kafka broker, an embedded PostgreSQL, and each service as its
# own process talking over Kafka (scoring :8001, audit-link :8002, alerts :8003, plus one relay).
# State, logs and pid files live under .data/; `make down` stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.venv/bin
run=.data/run; logs=.data/logs
mkdir -p "$run" "$logs"

export M2C_KAFKA_BOOTSTRAP="127.0.0.1:${KAFKA_PORT:-9092}"
deploy/kafka/kafka.sh start .data/kafka
export M2C_DATABASE_URL="$($bin/m2c pg start)"
if [ ! -f .data/jwt-secret ]; then head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > .data/jwt-secret; fi
export M2C_JWT_SECRET="$(cat .data/jwt-secret)"
$bin/m2c migrate

start() {  # name port args...
  local name=$1 port=$2; shift 2
  if [ -f "$run/$name.pid" ] && kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then return 0; fi
  M2C_PORT=$port M2C_METRICS_PORT=$port nohup "$bin/m2c" "$@" > "$logs/$name.log" 2>&1 &
  echo $! > "$run/$name.pid"
}
start scoring 8001 serve scoring
start audit-link 8002 serve audit-link
start alerts 8003 serve alerts
start relay 9100 relay

for port in 8001 8002 8003; do
  for _ in $(seq 1 60); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
cat <<MSG
m2c production mode is up (logs in $logs):
  scoring    http://127.0.0.1:8001   audit-link http://127.0.0.1:8002   alerts http://127.0.0.1:8003
  relay metrics http://127.0.0.1:9100/metrics   kafka $M2C_KAFKA_BOOTSTRAP   postgres $M2C_DATABASE_URL
admin token:
$($bin/m2c token create --role admin --subject admin)
MSG
