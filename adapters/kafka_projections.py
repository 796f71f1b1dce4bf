"""Feeds the read models from the Kafka topics instead of the log: a consumer group, scaling by partition.

The offsets a worker has applied are stored in the views database, in the same transaction as the
view changes, and each assigned partition is sought to just after its stored offset: a restart (or a
rebalance) neither skips nor applies a message twice. Each record's events share a partition, so
they arrive in order, which is all the read models need.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

from adapters.cloudevents import decode_message, topic_for
from adapters.kafka_relay import RECORD_TYPES
from adapters.view_store import ViewStore
from projections.store import Projection, Table, Upsert

__all__ = ["KafkaProjectionWorker"]

log = logging.getLogger(__name__)

OFFSETS = Table("kafka_offsets", {"consumer_group": "TEXT", "topic": "TEXT", "partition_id": "INTEGER",
                                  "applied": "INTEGER"}, key=("consumer_group", "topic", "partition_id"))


class KafkaProjectionWorker:
    def __init__(self, store: ViewStore, projections: Sequence[Projection], bootstrap: str,
                 prefix: str = "caseledger.", group: str = "caseledger-projections") -> None:
        self.store, self.projections, self.group = store, tuple(projections), group
        store.prepare([*(table for projection in self.projections for table in projection.tables), OFFSETS])
        self.consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, isolation_level="read_committed", enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=1000,
            max_poll_records=500)
        self.consumer.subscribe([topic_for(prefix, kind) for kind in RECORD_TYPES], listener=_SeekToApplied(self))

    def applied(self, partition: TopicPartition) -> int | None:
        with self.store.reader() as view:
            row = view.get("kafka_offsets", {"consumer_group": self.group, "topic": partition.topic,
                                             "partition_id": partition.partition})
        return None if row is None else int(row["applied"])

    def poll(self, timeout_ms: int = 1000) -> int:
        """Apply one poll's messages (one transaction); returns how many."""
        batches = self.consumer.poll(timeout_ms=timeout_ms)
        count = 0
        with self.store.transaction() as view:
            for partition, records in batches.items():
                for record in records:
                    position, event = decode_message(list(record.headers), record.value)
                    for projection in self.projections:
                        view.apply(projection.changes(event, position, view))
                view.apply([_offset_change(self.group, partition, records[-1].offset)])
                count += len(records)
        return count

    def caught_up(self) -> bool:
        """Whether every assigned partition has been applied up to its end."""
        assigned = self.consumer.assignment()
        if not assigned:
            return False
        ends = self.consumer.end_offsets(list(assigned))
        return all(self.consumer.position(tp) >= ends[tp] for tp in assigned)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("a Kafka-fed read model failed; retrying the same messages")
                self._rewind()
                stop.wait(1.0)

    def close(self) -> None:
        self.consumer.close()

    def _rewind(self) -> None:
        for partition in self.consumer.assignment():
            _seek_after_applied(self, partition)


def _offset_change(group: str, partition: TopicPartition, offset: int) -> Upsert:
    return Upsert("kafka_offsets", {"consumer_group": group, "topic": partition.topic,
                                    "partition_id": partition.partition}, {"applied": offset})


def _seek_after_applied(worker: KafkaProjectionWorker, partition: TopicPartition) -> None:
    applied = worker.applied(partition)
    if applied is None:
        worker.consumer.seek_to_beginning(partition)
    else:
        worker.consumer.seek(partition, applied + 1)


class _SeekToApplied(ConsumerRebalanceListener):
    def __init__(self, worker: KafkaProjectionWorker) -> None:
        self.worker = worker

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        for partition in assigned:
            _seek_after_applied(self.worker, partition)
