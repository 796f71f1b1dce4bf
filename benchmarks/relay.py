"""K1: the relay's events per second to Kafka, against a bare kafka-python producer sending the same
bytes (same keys, values and headers) to the same broker, in the same run.

    python -m benchmarks.relay [--events 100000]
"""

from __future__ import annotations

import time
from pathlib import Path

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from adapters.clock import SimulatedClock
from adapters.cloudevents import encode_message, topic_for
from adapters.kafka_relay import RECORD_TYPES, KafkaRelay, RelayConfig
from api.bootstrap import build_ledger
from api.settings import Settings
from benchmarks.history import START, write_history
from benchmarks.report import Row, run_benchmark
from tests.kafka_broker import TansuBroker

__all__ = ["measure_relay"]


def _bare_producer(bootstrap: str, messages: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]) -> float:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic_for("bare.", kind), 3, 1) for kind in RECORD_TYPES])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    began = time.perf_counter()
    for topic, key, value, headers in messages:
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush()
    seconds = time.perf_counter() - began
    producer.close()
    return len(messages) / seconds


def measure_relay(events: int, directory: Path) -> list[Row]:
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
    finally:
        broker.stop()
    return [Row("K1", f"relay to Kafka, events/s ({count:,} events, transactional, exactly once)", rate, bare,
                rate / bare, ">= 0.8x bare producer", rate / bare >= 0.8)]


if __name__ == "__main__":
    run_benchmark(__doc__, measure_relay, 100_000)
