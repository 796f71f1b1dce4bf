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
import time
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from eventsourcing.persistence import Notification
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

from adapters.cloudevents import encode_message, topic_for
from domain.ledger import LedgerBase

__all__ = ["RECORD_TYPES", "KafkaRelay", "RelayConfig", "RelayStatus"]

log = logging.getLogger(__name__)
RECORD_TYPES: tuple[str, ...] = ("case", "provider", "contract", "region", "caller")
"""The record types, each with its own topic."""
RECORD_TYPES += ("coaching", "training")  # issue 15: staff development (domain/development/)
RECORD_TYPES += ("meeting",)  # issue 15: coordinators' meetings
RECORD_TYPES += ("proposal",)  # issue 15: policy proposals (domain/policy/proposal.py)


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


TIMEOUT_MS = 15_000
"""How long a batch may take to reach the broker, or to commit, before the relay starts over."""


def _finish(producer: KafkaProducer, *, commit: bool) -> None:
    """Commit or abort the open transaction, waiting at most TIMEOUT_MS.

    kafka-python's own `commit_transaction()` waits forever, which would hang the relay if the broker
    went away mid-commit; this is the same call with a bound (and so uses its transaction manager)."""
    manager = producer._transaction_manager
    result = manager.begin_commit() if commit else manager.begin_abort()
    producer._sender.wakeup()
    if not result.wait(timeout_ms=TIMEOUT_MS):
        raise KafkaTimeoutError(f"the transaction did not {'commit' if commit else 'abort'} in {TIMEOUT_MS} ms")


class KafkaRelay:
    def __init__(self, ledger: LedgerBase, config: RelayConfig) -> None:
        self.ledger, self.config = ledger, config
        self._producer: KafkaProducer | None = None
        self._transactional = config.transactions
        self.position = 0
        self._offsets: dict[str, int] = {}
        self._published: set[int] = set()

    # -- the loop ------------------------------------------------------------------------------------

    def run(self, stop: threading.Event, wake: threading.Event, interval: float = 0.5) -> None:
        """Follow the log until `stop` is set; on a broker fault, back off (up to 30 s) and start over."""
        pause = interval
        while not stop.is_set():
            try:
                sent = self.publish_available()
                pause = interval
            except Exception as error:  # a relay that dies silently is worse than one that retries
                log.warning("kafka unavailable (%s: %s); retrying in %.1f s", type(error).__name__, error, pause)
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
        return RelayStatus(self._committed_position()[0], self.ledger.head())

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
        self.position, self._offsets = self._committed_position()
        self._published = self._left_behind()
        log.info("relay connected to %s; resuming after position %d (%s)", self.config.bootstrap, self.position,
                 "exactly once" if self._transactional else "at least once")
        if self._published:
            log.warning("%d events of an interrupted batch are already visible on the topics; they are not sent "
                        "again", len(self._published))

    def _publish(self, notifications: Sequence[Notification]) -> None:
        producer = self._producer
        assert producer is not None
        last = notifications[-1].id
        if self._transactional:
            producer.begin_transaction()
        try:
            sent = []
            for notification in notifications:
                if notification.id in self._published:
                    continue
                event = self.ledger.decode(notification)
                key, value, headers = encode_message(notification.id, event)
                topic = topic_for(self.config.prefix, event.aggregate_type)
                sent.append(producer.send(topic, key=key, value=value, headers=headers))
            producer.flush(timeout=TIMEOUT_MS / 1000)
            offsets = dict(self._offsets)
            for future in sent:
                metadata = future.get(timeout=0)
                offsets[f"{metadata.topic}:{metadata.partition}"] = metadata.offset + 1
            # the position goes last, once its batch is on the broker: if it is visible, so is the batch
            producer.send(self.config.position_topic, key=b"position",
                          value=orjson.dumps({"position": last, "offsets": offsets}))
            producer.flush(timeout=TIMEOUT_MS / 1000)
            if self._transactional:
                _finish(producer, commit=True)
        except KafkaError:
            if self._transactional:
                try:
                    _finish(producer, commit=False)
                except KafkaError:
                    log.debug("could not abort the transaction; the next producer fences it")
            raise
        self.position, self._offsets = last, offsets
        self._published = {n for n in self._published if n > last}

    def _left_behind(self) -> set[int]:
        """Positions past the committed one that are already visible on the event topics.

        Kafka aborts a fenced producer's open transaction, so this is empty there; a broker that lets
        part of it through would otherwise make the restarted relay send those events twice. Each
        partition is read from the offset the last committed batch reached."""
        consumer = KafkaConsumer(bootstrap_servers=self.config.bootstrap, isolation_level="read_committed",
                                 enable_auto_commit=False, request_timeout_ms=15_000)
        try:
            partitions = [TopicPartition(topic_for(self.config.prefix, kind), p) for kind in RECORD_TYPES
                          for p in sorted(consumer.partitions_for_topic(topic_for(self.config.prefix, kind)) or ())]
            consumer.assign(partitions)
            ends = consumer.end_offsets(partitions)
            found: set[int] = set()
            deadline = time.monotonic() + TIMEOUT_MS / 1000
            for partition in partitions:
                consumer.seek(partition, self._offsets.get(f"{partition.topic}:{partition.partition}", 0))
            while any(consumer.position(p) < ends[p] for p in partitions):
                if time.monotonic() > deadline:
                    raise KafkaTimeoutError("the topics could not be read in time")
                for records in consumer.poll(timeout_ms=500).values():
                    for record in records:
                        position = int(dict(record.headers)["ce_position"])
                        if position > self.position:
                            found.add(position)
            self._offsets.update({f"{p.topic}:{p.partition}": ends[p] for p in partitions})
            return found
        finally:
            consumer.close()

    def _committed_position(self) -> tuple[int, dict[str, int]]:
        """The position in the last committed message of the relay's topic (0 if none), and the offset
        each event partition had reached with it."""
        partition = TopicPartition(self.config.position_topic, 0)
        consumer = KafkaConsumer(bootstrap_servers=self.config.bootstrap, isolation_level="read_committed",
                                 enable_auto_commit=False, request_timeout_ms=15_000)
        try:
            consumer.assign([partition])
            end = consumer.end_offsets([partition])[partition]
            window, deadline = 64, time.monotonic() + TIMEOUT_MS / 1000
            while True:
                start = max(end - window, 0)
                consumer.seek(partition, start)
                found = None
                while consumer.position(partition) < end:
                    if time.monotonic() > deadline:
                        raise KafkaTimeoutError("the relay's position could not be read in time")
                    for record in consumer.poll(timeout_ms=1000).get(partition, []):
                        if record.offset < end:
                            found = record
                if found is not None:
                    committed = orjson.loads(found.value)
                    return int(committed["position"]), dict(committed.get("offsets", {}))
                if start == 0:
                    return 0, {}
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
