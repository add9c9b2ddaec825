#!/usr/bin/env bash
# A real single-node Apache Kafka 4.x broker (KRaft, broker+controller) for development and tests,
# run from jars that Maven resolves from Maven Central (no tarball, no Docker).
#
#   deploy/kafka/kafka.sh fetch                  resolve the jars into deploy/kafka/lib (cached)
#   deploy/kafka/kafka.sh start [DIR]            start a broker with its state under DIR (default .data/kafka)
#   deploy/kafka/kafka.sh stop  [DIR]            stop it
#
# Ports: KAFKA_PORT (default 9092) and KAFKA_CONTROLLER_PORT (default 9093).
# KAFKA_HEAP (default "-Xms512m -Xmx512m") sizes the JVM.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/lib"
cmd="${1:-}"
dir="${2:-$here/../../.data/kafka}"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-9093}"
heap="${KAFKA_HEAP:--Xms512m -Xmx512m}"

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  rm -rf "$lib"
  (cd "$here" && mvn -B -q -DoutputDirectory=lib -DincludeScope=runtime \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies)
  ls "$lib"/kafka_2.13-*.jar >/dev/null
  touch "$lib/.complete"
}

java_args() {
  # shellcheck disable=SC2206
  jvm=($heap -XX:+UseG1GC -Djava.awt.headless=true
       -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$dir/logs" -cp "$lib/*")
}

write_properties() {
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=16777216
auto.create.topics.enable=true
PROPS
}

start() {
  fetch
  mkdir -p "$dir/logs" "$dir/data"
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    echo "kafka already running (pid $(cat "$dir/kafka.pid")) on 127.0.0.1:$port"; return 0
  fi
  write_properties
  java_args
  if [ ! -f "$dir/data/meta.properties" ]; then
    local id; id="$(java "${jvm[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)"
    java "${jvm[@]}" kafka.tools.StorageTool format --standalone -g -t "$id" -c "$dir/server.properties" >/dev/null
  fi
  : > "$dir/logs/server.log"
  nohup java "${jvm[@]}" kafka.Kafka "$dir/server.properties" > "$dir/logs/stdout.log" 2>&1 &
  echo $! > "$dir/kafka.pid"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$dir/logs/server.log" 2>/dev/null; then
      echo "kafka started on 127.0.0.1:$port (pid $(cat "$dir/kafka.pid"))"; return 0
    fi
    if ! kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
      echo "kafka exited during start-up:" >&2; tail -n 40 "$dir/logs/stdout.log" "$dir/logs/server.log" >&2; return 1
    fi
    sleep 0.5
  done
  echo "kafka did not start within 60 s" >&2; tail -n 40 "$dir/logs/server.log" >&2; return 1
}

stop() {
  [ -f "$dir/kafka.pid" ] || return 0
  local pid; pid="$(cat "$dir/kafka.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/kafka.pid"
}

case "$cmd" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 fetch|start|stop [DIR]" >&2; exit 2 ;;
esac
