"""Publishes the notification log to Kafka, exactly once, in order per record.

Each batch of events and the relay's new position go out in one Kafka transaction: the position is
a message on the relay's own topic. A consumer reading `read_committed` therefore sees a batch and
the position that covers it together, or neither. On start (and after any broker fault) the relay
opens its transactional producer (which fences a killed predecessor and aborts its unfinished
transaction), reads the last committed position, and goes on from there. Without transactions
(a broker that lacks them, or `transactions=False`) delivery is at least once: a crash between a
batch and its position re-sends the batch, with the same `ce_id`s.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from eventsourcing.persistence import Notification
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from adapters.cloudevents import encode_message, topic_for
from domain.ledger import LedgerBase

__all__ = ["RECORD_TYPES", "KafkaRelay", "RelayConfig", "RelayStatus"]

log = logging.getLogger(__name__)
RECORD_TYPES = ("case", "provider", "contract", "region")
"""The record types, each with its own topic."""


@dataclass(frozen=True)
class RelayConfig:
    bootstrap: str
    prefix: str = "caseledger."
    partitions: int = 3
    transactions: bool = True
    transactional_id: str = "caseledger-relay"
    batch: int = 2000

    @property
    def position_topic(self) -> str:
        return f"{self.prefix}relay-position"


@dataclass(frozen=True)
class RelayStatus:
    position: int
    head: int

    @property
    def lag(self) -> int:
        return self.head - self.position


class KafkaRelay:
    def __init__(self, ledger: LedgerBase, config: RelayConfig) -> None:
        self.ledger, self.config = ledger, config
        self._producer: KafkaProducer | None = None
        self._transactional = config.transactions
        self.position = 0

    # -- the loop ------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, wake: threading.Event, interval: float = 0.5) -> None:
        """Follow the log until `stop` is set; on a broker fault, back off (up to 30 s) and start over."""
        pause = interval
        while not stop.is_set():
            try:
                sent = self.publish_available()
                pause = interval
            except KafkaError as error:
                log.warning("kafka unavailable (%s); retrying in %.1f s", error, pause)
                self._drop_producer()
                stop.wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            if not sent:
                wake.wait(interval)
                wake.clear()

    def publish_available(self) -> int:
        """Publish what the log holds after the committed position, one transaction per batch."""
        if self._producer is None:
            self._connect()
        total = 0
        while notifications := self.ledger.recorder.select_notifications(self.position + 1, self.config.batch):
            self._publish(notifications)
            total += len(notifications)
        return total

    def status(self) -> RelayStatus:
        """The committed position (read from Kafka) against the head of the log."""
        return RelayStatus(self._committed_position(), self.ledger.head())

    def close(self) -> None:
        self._drop_producer()

    # -- Kafka ---------------------------------------------------------------------------------------

    def _connect(self) -> None:
        self._ensure_topics()
        common = {"bootstrap_servers": self.config.bootstrap, "acks": "all", "enable_idempotence": True,
                  "linger_ms": 5, "retries": 5, "request_timeout_ms": 15_000, "max_block_ms": 15_000}
        producer: KafkaProducer | None = None
        if self._transactional:
            try:
                producer = KafkaProducer(transactional_id=self.config.transactional_id, **common)
                producer.init_transactions()
            except KafkaError as error:
                if producer is not None:
                    producer.close(timeout=1)
                log.warning("kafka transactions unavailable (%s): delivering AT LEAST ONCE; consumers must "
                            "deduplicate by ce_id", error)
                self._transactional, producer = False, None
        if producer is None:
            producer = KafkaProducer(**common)
            if not self.config.transactions:
                log.warning("kafka transactions turned off: delivering AT LEAST ONCE; consumers must deduplicate "
                            "by ce_id")
        self._producer = producer
        self.position = self._committed_position()
        log.info("relay connected to %s; resuming after position %d (%s)", self.config.bootstrap, self.position,
                 "exactly once" if self._transactional else "at least once")

    def _publish(self, notifications: Sequence[Notification]) -> None:
        producer = self._producer
        assert producer is not None
        last = notifications[-1].id
        if self._transactional:
            producer.begin_transaction()
        try:
            for notification in notifications:
                event = self.ledger.decode(notification)
                key, value, headers = encode_message(notification.id, event)
                topic = topic_for(self.config.prefix, event.aggregate_type)
                producer.send(topic, key=key, value=value, headers=headers)
            producer.send(self.config.position_topic, key=b"position", value=orjson.dumps({"position": last}))
            if self._transactional:
                producer.commit_transaction()
            else:
                producer.flush()
        except KafkaError:
            if self._transactional:
                try:
                    producer.abort_transaction()
                except KafkaError:
                    log.debug("could not abort the transaction; the next producer fences it")
            raise
        self.position = last

    def _committed_position(self) -> int:
        """The position in the last committed message of the relay's topic (0 if none)."""
        partition = TopicPartition(self.config.position_topic, 0)
        consumer = KafkaConsumer(bootstrap_servers=self.config.bootstrap, isolation_level="read_committed",
                                 enable_auto_commit=False, request_timeout_ms=15_000)
        try:
            consumer.assign([partition])
            end = consumer.end_offsets([partition])[partition]
            window = 64
            while True:
                start = max(end - window, 0)
                consumer.seek(partition, start)
                found = None
                while consumer.position(partition) < end:
                    for record in consumer.poll(timeout_ms=1000).get(partition, []):
                        if record.offset < end:
                            found = record
                if found is not None:
                    return int(orjson.loads(found.value)["position"])
                if start == 0:
                    return 0
                window *= 4
        finally:
            consumer.close()

    def _ensure_topics(self) -> None:
        admin = KafkaAdminClient(bootstrap_servers=self.config.bootstrap, request_timeout_ms=15_000)
        try:
            existing = set(admin.list_topics())
            wanted = [NewTopic(topic_for(self.config.prefix, kind), self.config.partitions, 1)
                      for kind in RECORD_TYPES]
            wanted.append(NewTopic(self.config.position_topic, 1, 1, topic_configs={"cleanup.policy": "compact"}))
            missing = [topic for topic in wanted if topic.name not in existing]
            if missing:
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics(missing)
                log.info("created topics %s", ", ".join(t.name for t in missing))
        finally:
            admin.close()

    def _drop_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=2)
            except KafkaError:
                log.debug("producer closed uncleanly")
            self._producer = None
