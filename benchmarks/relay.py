"""K1: the relay's events per second to Kafka, against a bare kafka-python producer sending the same
bytes (same keys, values and headers) to the same broker, in the same run; and, at a steady rate of
commands, the p99 from a command's acknowledgement to a consumer receiving its event, against the
same bare producer's send-to-receipt p99 at the same rate.

    python -m benchmarks.relay [--events 100000]
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from adapters.clock import SimulatedClock
from adapters.cloudevents import encode_message, topic_for
from adapters.kafka_relay import RECORD_TYPES, KafkaRelay, RelayConfig
from api.bootstrap import build_ledger, build_relay
from api.settings import Settings
from benchmarks.history import START, write_history
from benchmarks.report import Row, percentiles, run_benchmark
from domain.casework.case_events import Channel
from domain.values import Actor, Role
from tests.conftest import staff_regions
from tests.kafka_broker import TansuBroker

__all__ = ["measure_relay"]


def _bare(bootstrap: str, topics: list[str], partitions: int) -> KafkaProducer:
    """The baseline's producer, set up as the relay's (idempotent, `acks=all`, same linger), and its topics."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, partitions, 1) for topic in topics])
    admin.close()
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)


def _bare_producer(bootstrap: str, messages: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]) -> float:
    producer = _bare(bootstrap, [topic_for("bare.", kind) for kind in RECORD_TYPES], 3)
    began = time.perf_counter()
    for topic, key, value, headers in messages:
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    seconds = time.perf_counter() - began
    producer.close()
    return len(messages) / seconds


RATE = 50
"""Commands per second in the latency run: a busy region's peak, well under either side's capacity."""


class _Receipts:
    """A consumer thread noting when each message arrived, by its `ce_position` header."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.arrived: dict[bytes, float] = {}
        self.stop = threading.Event()
        self.consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, isolation_level="read_committed",
                                      auto_offset_reset="earliest", fetch_max_wait_ms=10)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.perf_counter()
                for record in records:
                    self.arrived.setdefault(dict(record.headers).get("ce_position", b""), now)

    def wait_for(self, keys: set[bytes], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not keys <= self.arrived.keys() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.stop.set()
        self.thread.join()
        self.consumer.close()


def _p99(sent: dict[bytes, float], receipts: _Receipts) -> float:
    receipts.wait_for(set(sent))
    missing = set(sent) - receipts.arrived.keys()
    if missing:
        raise RuntimeError(f"{len(missing)} of {len(sent)} messages never arrived")
    return percentiles([(receipts.arrived[key] - at) * 1000 for key, at in sent.items()])[1]


def _steady(count: int, send: Callable[[int], bytes]) -> dict[bytes, float]:
    """Call `send(n)` `count` times at `RATE` per second; when each returned, by the position it sent."""
    sent, began = {}, time.perf_counter()
    for n in range(count):
        time.sleep(max(0.0, began + n / RATE - time.perf_counter()))
        key = send(n)
        sent[key] = time.perf_counter()
    return sent


def _relay_latency(directory: Path, bootstrap: str, count: int) -> float:
    """Acknowledged command to consumer receipt, with the relay following the log as `serve` runs it."""
    settings = Settings(data_dir=directory, kafka_bootstrap=bootstrap, kafka_topic_prefix="latency.")
    ledger = build_ledger(settings)
    staff_regions(ledger)
    relay, stop, wake = build_relay(settings, ledger), threading.Event(), threading.Event()
    rep = Actor(id="rep-north-1", role=Role.REPRESENTATIVE)
    case_id = ledger.open_case(ledger.context(rep), region="north", channel=Channel.PHONE, customer_ref="c-1",
                               subject="Outage", description="No line").id
    relay.publish_available()  # connected, topics made, and caught up before the clock starts
    ledger.listeners.append(lambda _: wake.set())
    follower = threading.Thread(target=relay.run, args=(stop, wake), daemon=True)
    follower.start()
    receipts = _Receipts(bootstrap, topic_for("latency.", "case"))

    def note(n: int) -> bytes:
        result = ledger.add_note(ledger.context(rep), case_id, f"note {n}")
        return str(result.position).encode()

    sent = _steady(count, note)
    p99 = _p99(sent, receipts)
    stop.set()
    wake.set()
    follower.join()
    relay.close()
    ledger.close()
    return p99


def _bare_latency(bootstrap: str, count: int, value: bytes) -> float:
    producer = _bare(bootstrap, ["bare.latency"], 1)
    receipts = _Receipts(bootstrap, "bare.latency")

    def send(n: int) -> bytes:
        position = str(n).encode()
        producer.send("bare.latency", key=b"case", value=value, headers=[("ce_position", position)])
        return position

    sent = _steady(count, send)
    producer.flush()
    p99 = _p99(sent, receipts)
    producer.close()
    return p99


def measure_relay(events: int, directory: Path, latency_samples: int = 20 * RATE) -> list[Row]:
    settings = Settings(data_dir=directory)
    print(f"writing a history of {events:,} events ...", flush=True)
    write_history(settings, events)
    ledger = build_ledger(settings, clock=SimulatedClock(START))
    messages = []
    for logged in ledger.read_log():
        key, value, headers = encode_message(logged.position, logged.event)
        messages.append((topic_for("bare.", logged.event.aggregate_type), key, value, headers))
    broker = TansuBroker(directory / "broker.log")
    broker.start()
    try:
        bare = _bare_producer(broker.bootstrap, messages)
        relay = KafkaRelay(ledger, RelayConfig(broker.bootstrap, "relay."))
        began = time.perf_counter()
        count = relay.publish_available()
        rate = count / (time.perf_counter() - began)
        relay.close()
        print(f"K1: {latency_samples:,} commands at {RATE}/s through the relay, then the bare producer ...",
              flush=True)
        latency = _relay_latency(directory / "latency", broker.bootstrap, latency_samples)
        bare_latency = _bare_latency(broker.bootstrap, latency_samples, messages[-1][2])
    finally:
        broker.stop()
    return [
        Row("K1", f"relay to Kafka, events/s ({count:,} events, transactional, exactly once)", rate, bare,
            rate / bare, ">= 0.8x bare producer", rate / bare >= 0.8),
        Row("K1-p99", f"command acknowledged to consumer receipt, p99 ms at {RATE} commands/s (baseline: bare "
            "producer send to receipt)", latency, bare_latency, latency / bare_latency, "recorded", True),
    ]


if __name__ == "__main__":
    run_benchmark(__doc__, measure_relay, 100_000)
