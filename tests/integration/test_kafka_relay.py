"""The relay on a real Kafka-protocol broker: every event exactly once, in order per record, with the
documented envelope; through relay kills and broker outages."""

from __future__ import annotations

import json
import logging
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer

from adapters.clock import SimulatedClock
from adapters.cloudevents import decode_message, encode_message, topic_for
from adapters.kafka_relay import KafkaRelay, RelayConfig
from api.bootstrap import build_ledger
from api.demo import plan_demo
from api.event_schemas import event_schema
from domain.application import CaseLedger
from domain.casework.case_events import Channel
from domain.values import Role
from tests.conftest import Backend
from tests.e2e.conftest import SECRET, headers
from tests.factories import NOW, REP
from tests.kafka_broker import EXTERNAL, TansuBroker, consume_all
from tests.ports import free_port

CASELEDGER = str(Path(sys.executable).parent / "caseledger")
RECORD_TYPES = ("case", "provider", "contract", "region", "caller")


def seeded(backend: Backend, directory: Path, cases: int = 15) -> CaseLedger:
    clock = SimulatedClock(NOW)
    ledger = build_ledger(backend.settings(directory), clock=clock)
    plan = plan_demo(ledger, clock, cases=cases, seed=3)
    ledger.new_id = plan.new_id
    for _ in plan.run():
        pass
    return ledger


def assert_published_exactly_once(ledger: CaseLedger, bootstrap: str, prefix: str) -> None:
    """A read_committed consumer holds the store's log: each event once, each record's events in order."""
    messages = consume_all(bootstrap, [f"{prefix}{kind}" for kind in RECORD_TYPES])
    positions = [int(m["headers"]["ce_position"]) for m in messages]
    assert sorted(positions) == list(range(1, ledger.head() + 1)), "missing or duplicated events"
    by_record: dict[bytes, list[int]] = {}
    for message in messages:
        by_record.setdefault(message["key"], []).append(int(message["headers"]["ce_aggregateversion"]))
    assert all(versions == list(range(1, len(versions) + 1)) for versions in by_record.values())
    stored = {logged.position: logged.event for logged in ledger.read_log()}
    for message in messages:
        position, event = decode_message(list(message["headers"].items()), message["value"])
        assert event == stored[position]


def test_every_event_is_published_once_with_the_cloudevents_envelope(tmp_path: Path, backend: Backend,
                                                                      kafka: tuple[str, str]) -> None:
    bootstrap, prefix = kafka
    ledger = seeded(backend, tmp_path / "data")
    relay = KafkaRelay(ledger, RelayConfig(bootstrap, prefix))
    assert relay.publish_available() == ledger.head()
    assert relay.publish_available() == 0
    assert relay.status().lag == 0
    relay.close()
    assert_published_exactly_once(ledger, bootstrap, prefix)

    (message, *_) = consume_all(bootstrap, [f"{prefix}case"])
    headers = {k: v.decode() for k, v in message["headers"].items()}
    _position, event = decode_message(list(message["headers"].items()), message["value"])
    assert message["key"] == str(event.originator_id).encode()
    assert headers["ce_specversion"] == "1.0" and headers["ce_id"] == str(event.event_id)
    assert headers["ce_type"] == f"caseledger.case.{event.type_name}.v1"
    assert headers["ce_source"] == "urn:caseledger:case" and headers["ce_subject"] == str(event.originator_id)
    assert headers["ce_dataschema"] == f"/schemas/events/{event.type_name}.v1.json"
    assert headers["content-type"] == "application/json" and headers["ce_time"] == event.occurred_at.isoformat()
    assert set(json.loads(message["value"])) == set(event_schema(type(event))["properties"])


def test_a_restarted_relay_resumes_after_its_last_committed_batch(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str]
) -> None:
    bootstrap, prefix = kafka
    ledger = seeded(backend, tmp_path / "data", cases=5)
    KafkaRelay(ledger, RelayConfig(bootstrap, prefix, batch=7)).publish_available()
    ledger.open_case(ledger.context(REP), region="north", channel=Channel.WEB, customer_ref="c", subject="s",
                     description="d")
    again = KafkaRelay(ledger, RelayConfig(bootstrap, prefix, batch=7))
    assert again.publish_available() == 1
    assert_published_exactly_once(ledger, bootstrap, prefix)


def test_without_transactions_delivery_is_at_least_once_and_says_so(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    bootstrap, prefix = kafka
    ledger = seeded(backend, tmp_path / "data", cases=3)
    with caplog.at_level(logging.WARNING):
        relay = KafkaRelay(ledger, RelayConfig(bootstrap, prefix, transactions=False))
        relay.publish_available()
        relay.close()
    assert "AT LEAST ONCE" in caplog.text
    assert_published_exactly_once(ledger, bootstrap, prefix)


class Writer(threading.Thread):
    """Commands keep coming while the relay is killed or the broker is away."""

    def __init__(self, ledger: CaseLedger) -> None:
        super().__init__(daemon=True)
        self.ledger, self.done = ledger, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            result = self.ledger.open_case(self.ledger.context(REP), region="north", channel=Channel.PHONE,
                                           customer_ref="cust-1", subject="Outage", description="No line")
            self.ledger.add_note(self.ledger.context(REP), result.id, "Called back")
            time.sleep(0.01)


@pytest.mark.slow
def test_killing_the_relay_at_random_points_loses_and_repeats_nothing(tmp_path: Path, backend: Backend,
                                                                        kafka: tuple[str, str]) -> None:
    bootstrap, prefix = kafka
    data = tmp_path / "data"
    ledger = seeded(backend, data, cases=10)
    env = {**backend.env(data), "CASELEDGER_KAFKA_BOOTSTRAP": bootstrap,
           "CASELEDGER_KAFKA_TOPIC_PREFIX": prefix}
    writer = Writer(ledger)
    writer.start()
    rng = random.Random(11)
    for _ in range(8):
        relay = subprocess.Popen([CASELEDGER, "relay"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        relay.send_signal(signal.SIGKILL)
        relay.wait()
    writer.done.set()
    writer.join()
    subprocess.run([CASELEDGER, "relay", "--once"], env=env, check=True, capture_output=True)
    status = subprocess.run([CASELEDGER, "relay", "status"], env=env, check=True, capture_output=True, text=True)
    assert status.stdout.split()[-1] == "0", status.stdout
    assert_published_exactly_once(ledger, bootstrap, prefix)


@pytest.mark.slow
@pytest.mark.skipif(bool(EXTERNAL), reason="an external broker cannot be stopped and started by the tests")
def test_the_broker_going_away_and_coming_back_loses_nothing(tmp_path: Path, backend: Backend) -> None:
    broker = TansuBroker(tmp_path / "broker.log")
    broker.start()
    ledger = seeded(backend, tmp_path / "data", cases=10)
    relay = KafkaRelay(ledger, RelayConfig(broker.bootstrap, "outage."))
    stop, wake = threading.Event(), threading.Event()
    follower = threading.Thread(target=relay.run, args=(stop, wake, 0.2), daemon=True)
    follower.start()
    writer = Writer(ledger)
    writer.start()
    time.sleep(1.5)
    broker.stop()                      # the broker goes away mid-stream ...
    time.sleep(2.0)                    # ... while commands keep coming
    broker.start()                     # and comes back (empty: the test broker keeps topics in memory)
    time.sleep(1.0)
    writer.done.set()
    writer.join()
    deadline = time.monotonic() + 90
    while relay.position < ledger.head() and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    wake.set()
    follower.join(timeout=30)
    relay.close()
    try:
        assert relay.position == ledger.head()
        assert_published_exactly_once(ledger, broker.bootstrap, "outage.")
    finally:
        broker.stop()


def test_serve_runs_the_relay_when_kafka_is_configured(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str]
) -> None:
    bootstrap, prefix = kafka
    port = free_port()
    env = {**backend.env(tmp_path / "data"), "CASELEDGER_TOKEN_SECRET": SECRET,
           "CASELEDGER_KAFKA_BOOTSTRAP": bootstrap, "CASELEDGER_KAFKA_TOPIC_PREFIX": prefix}
    server = subprocess.Popen([CASELEDGER, "serve", "--port", str(port), "--no-admin-token"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        created = httpx.post(f"{base}/regions", json={"code": "north", "name": "North"}, headers=headers(Role.ADMIN))
        assert created.status_code == 201
        deadline, messages = time.monotonic() + 30, list[dict[str, Any]]()
        while time.monotonic() < deadline and not messages:
            time.sleep(0.5)
            messages = consume_all(bootstrap, [f"{prefix}region"])
        assert [m["headers"]["ce_type"] for m in messages] == [b"caseledger.region.RegionEstablished.v1"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_relay_killed_mid_batch_is_fenced_and_its_partial_batch_not_repeated(
    tmp_path: Path, backend: Backend, kafka: tuple[str, str]
) -> None:
    """Kafka aborts a fenced producer's open transaction; a broker that lets it through (as the test
    broker does) must not make the next relay send those events again."""
    bootstrap, prefix = kafka
    ledger = seeded(backend, tmp_path / "data", cases=5)
    config = RelayConfig(bootstrap, prefix, batch=20)
    first = KafkaRelay(ledger, config)
    first._connect()
    first._publish(ledger.recorder.select_notifications(1, 20))
    first.close()
    # a relay that dies after sending part of its next batch, before committing
    zombie = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=config.transactional_id,
                           enable_idempotence=True, acks="all")
    zombie.init_transactions()
    zombie.begin_transaction()
    for logged in list(ledger.read_log(after=20))[:7]:
        key, value, headers = encode_message(logged.position, logged.event)
        zombie.send(topic_for(prefix, logged.event.aggregate_type), key=key, value=value, headers=headers)
    zombie.flush()
    successor = KafkaRelay(ledger, config)
    successor.publish_available()
    successor.close()
    assert_published_exactly_once(ledger, bootstrap, prefix)
