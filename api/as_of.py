"""Reads as of a past moment: the `as_of` query parameter, and the read models as they were then.

Without `as_of` a read answers from the live read models (the fast path, as current as the runner). With
it, the read waits until the read models hold every event of the log, then reads their history: the
answer is what read models built from only the events dated at or before `as_of` would show, whenever it
is asked (see docs/time.md, "Dashboards as of a past moment").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import Query

from api.deps import Engine
from api.problems import Problem
from domain.values import Moment
from projections import view_as_of
from projections.store import ViewReader

__all__ = ["AsOf", "NowAlias", "asked_moment", "views"]

AsOf = Annotated[Moment | None, Query(
    description="Answer as of this time (years 1900 to 8999): from the events dated at or before it. "
                "Default: now, from the live read models.")]
NowAlias = Annotated[Moment | None, Query(
    description="The same as `as_of` (its older name); give one of them.")]


def asked_moment(as_of: datetime | None, now: datetime | None) -> datetime | None:
    """The moment a read is asked for, by either name; two different ones are refused, naming `as_of`."""
    if as_of is not None and now is not None and as_of != now:
        raise Problem(422, "invalid-request", f"as_of {as_of.isoformat()} and now {now.isoformat()} differ: "
                      "give one of them (`now` is the older name of `as_of`)", field="as_of")
    return as_of if as_of is not None else now


@contextmanager
def views(engine: Engine, moment: datetime | None, min_position: int | None) -> Iterator[ViewReader]:
    """The read models live (after `min_position`), or as of `moment` once they have reached the log's head:
    an event dated before the moment may be the last one written."""
    if moment is None:
        engine.read_after(min_position)
    else:
        engine.read_after(max(min_position or 0, engine.ledger.head()))
    with engine.runner.store.reader() as view:
        yield view if moment is None else view_as_of(view, moment)
