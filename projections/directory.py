"""The provider directory with its recruitment pipeline, and the contract register."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson

from domain.event import DomainEvent
from domain.network.contract import (
    STATUS_AFTER as CONTRACT_STATUS_AFTER,
)
from domain.network.contract import (
    ContractAmended,
    ContractAmendmentDeclined,
    ContractAmendmentProposed,
    ContractCounterOffered,
    ContractDrafted,
    ContractDraftRevised,
    ContractEvent,
    ContractPaymentMade,
    ContractPaymentOwed,
    ContractRenewed,
    ContractSigned,
    Party,
    Terms,
)
from domain.network.provider import (
    STATUS_AFTER as PROVIDER_STATUS_AFTER,
)
from domain.network.provider import (
    ProviderCredentialed,
    ProviderEvent,
    ProviderMeetingLogged,
    ProviderProspected,
    ProviderRecredentialed,
    RetentionRiskCleared,
    RetentionRiskFlagged,
)
from projections.cases import InvalidCursor
from projections.store import Change, Projection, Row, Table, Upsert, ViewReader, iso, iso_date, where

__all__ = ["Directory", "DirectoryPage", "contract_page", "contract_register", "pipeline", "provider_page",
           "provider_row"]

PROVIDERS = Table(
    "providers",
    {"id": "TEXT", "name": "TEXT", "kind": "TEXT", "region": "TEXT", "specialty": "TEXT", "status": "TEXT",
     "meetings": "INTEGER", "credential_expires_on": "TEXT", "retention_risk": "TEXT", "created_at": "TEXT",
     "updated_at": "TEXT", "version": "INTEGER"},
    key=("id",),
    indexes=(("region", "status"), ("status",), ("kind",), ("name", "id")),
)
CONTRACTS = Table(
    "contracts",
    {"id": "TEXT", "provider_id": "TEXT", "region": "TEXT", "title": "TEXT", "status": "TEXT",
     "negotiation_rounds": "INTEGER", "last_offer_by": "TEXT", "signed_by": "TEXT", "terms_version": "INTEGER",
     "payment_terms_days": "INTEGER", "effective_on": "TEXT", "expires_on": "TEXT", "updated_at": "TEXT",
     "version": "INTEGER", "amendment_proposed_by": "TEXT"},
    key=("id",),
    indexes=(("region", "status"), ("status", "expires_on"), ("provider_id",)),
)
PAYMENTS = Table(
    "provider_payments",
    {"contract_id": "TEXT", "reference": "TEXT", "provider_id": "TEXT", "region": "TEXT", "currency": "TEXT",
     "amount_minor": "INTEGER", "received_on": "TEXT", "due_on": "TEXT", "paid_on": "TEXT"},
    key=("contract_id", "reference"),
    indexes=(("provider_id", "due_on"),),
)
"""Payments owed to providers under their contracts: what the on-time payment rate is counted from."""


class Directory(Projection):
    name = "directory"
    tables = (PROVIDERS, CONTRACTS, PAYMENTS)

    def changes(self, event: DomainEvent, position: int, view: ViewReader) -> list[Change]:
        if isinstance(event, ProviderEvent):
            return [self._provider(event, view)]
        if isinstance(event, ContractPaymentOwed | ContractPaymentMade):
            return [self._contract(event, view), _payment(event, view)]
        if isinstance(event, ContractEvent):
            return [self._contract(event, view)]
        return []

    def _provider(self, event: ProviderEvent, view: ViewReader) -> Upsert:
        key = {"id": str(event.originator_id)}
        values: dict[str, Any] = {"version": event.originator_version, "updated_at": iso(event.occurred_at)}
        if isinstance(event, ProviderProspected):
            return Upsert("providers", key, {**values, "name": event.name, "kind": event.kind, "region": event.region,
                                             "specialty": event.specialty, "status": "prospect", "meetings": 0,
                                             "created_at": iso(event.occurred_at)})
        row = _existing(view, "providers", key)
        if (status := PROVIDER_STATUS_AFTER.get(type(event))) is not None:
            values["status"] = status
        match event:
            case ProviderMeetingLogged():
                values["meetings"] = row["meetings"] + 1
                if row["status"] == "prospect":
                    values["status"] = "contacted"
            case ProviderCredentialed():
                values["credential_expires_on"] = iso_date(event.expires_on)
            case ProviderRecredentialed():
                values["credential_expires_on"] = iso_date(event.expires_on)
                if event.restored_status is not None:
                    values["status"] = event.restored_status
            case RetentionRiskFlagged():
                values["retention_risk"] = event.level
            case RetentionRiskCleared():
                values["retention_risk"] = None
        return Upsert("providers", key, values)

    def _contract(self, event: ContractEvent, view: ViewReader) -> Upsert:
        key = {"id": str(event.originator_id)}
        values: dict[str, Any] = {"version": event.originator_version, "updated_at": iso(event.occurred_at)}
        if isinstance(event, ContractDrafted):
            return Upsert("contracts", key, {
                **values, **_terms(event.terms), "provider_id": str(event.provider_id), "region": event.region,
                "title": event.title, "status": "drafted", "negotiation_rounds": 0, "signed_by": "",
                "terms_version": 1})
        row = _existing(view, "contracts", key)
        if (status := CONTRACT_STATUS_AFTER.get(type(event))) is not None:
            values["status"] = status
        match event:
            case ContractDraftRevised():
                values.update(_terms(event.terms))
            case ContractCounterOffered():
                values.update(_terms(event.terms), negotiation_rounds=event.round, last_offer_by=event.party)
            case ContractSigned():
                signed = sorted({*filter(None, row["signed_by"].split(",")), event.party})
                values["signed_by"] = ",".join(signed)
                if len(signed) == len(Party):
                    values["status"] = "signed"
            case ContractAmendmentProposed():
                values["amendment_proposed_by"] = event.party
            case ContractAmendmentDeclined():
                values["amendment_proposed_by"] = None
            case ContractAmended():
                values.update(_terms(event.terms), terms_version=event.terms_version, amendment_proposed_by=None)
            case ContractRenewed():
                values["expires_on"] = iso_date(event.expires_on)
        return Upsert("contracts", key, values)


def _payment(event: ContractPaymentOwed | ContractPaymentMade, view: ViewReader) -> Upsert:
    key = {"contract_id": str(event.originator_id), "reference": event.reference}
    if isinstance(event, ContractPaymentMade):
        return Upsert("provider_payments", key, {"paid_on": iso_date(event.paid_on)})
    contract = _existing(view, "contracts", {"id": str(event.originator_id)})
    return Upsert("provider_payments", key, {
        "provider_id": contract["provider_id"], "region": contract["region"], "currency": event.currency,
        "amount_minor": event.amount_minor, "received_on": iso_date(event.received_on),
        "due_on": iso_date(event.due_on), "paid_on": None})


def _terms(terms: Terms) -> dict[str, Any]:
    return {"payment_terms_days": terms.payment_terms_days, "effective_on": iso_date(terms.effective_on),
            "expires_on": iso_date(terms.expires_on)}


def _existing(view: ViewReader, table: str, key: dict[str, str]) -> Row:
    row = view.get(table, key)
    if row is None:
        raise LookupError(f"{table} has no row {key['id']}: its first event was never projected")
    return row


PIPELINE = ("prospect", "contacted", "applied", "credentialing", "credentialed", "active", "suspended", "lapsed",
            "rejected", "terminated")


def pipeline(view: ViewReader, region: str | None = None) -> dict[str, int]:
    """Providers at each stage of recruitment and membership (every stage listed, zeros included)."""
    clause, params = where({"region": ("region = :region", region)})
    rows = view.select(f"SELECT status, COUNT(*) AS n FROM providers{clause} GROUP BY status", params)
    counts = {row["status"]: row["n"] for row in rows}
    return {stage: counts.get(stage, 0) for stage in PIPELINE}


@dataclass(frozen=True)
class DirectoryPage:
    """One page of the directory or of the contracts; `next_cursor` resumes after its last row."""

    items: list[Row]
    next_cursor: str | None


def provider_page(view: ViewReader, region: str | None = None, status: str | None = None, limit: int = 50,
                  cursor: str | None = None, today: date | None = None) -> DirectoryPage:
    """Providers by name (then id), filtered by region and status, resumed after `cursor`; given `today`, each
    row also says when its credential expires and how promptly the network pays it."""
    page = _page(view, "providers", {"region": ("region = :region", region),
                                     "status": ("status = :status", status)}, ("name", "id"), limit, cursor)
    if today is not None:
        _add_standing(view, page.items, today)
    return page


def provider_row(view: ViewReader, provider_id: str, today: date) -> Row | None:
    """One provider's row of the directory, with its credential expiry and payment record as of `today`."""
    row = view.get("providers", {"id": provider_id})
    if row is not None:
        _add_standing(view, [row], today)
    return row


def _add_standing(view: ViewReader, rows: list[Row], today: date) -> None:
    """Add to each provider row: days until its credential expires (negative: lapsed that many days ago), and
    its payments under contract: paid, paid on or before their due date, the on-time rate (on time / paid,
    none before the first payment) and the payments overdue and still unpaid as of `today`."""
    ids = {f"p{n}": row["id"] for n, row in enumerate(rows)}
    counts: dict[str, Row] = {}
    if ids:
        marks = ", ".join(f":{name}" for name in ids)
        counts = {row["provider_id"]: row for row in view.select(
            "SELECT provider_id, COUNT(paid_on) AS paid, "
            "SUM(CASE WHEN paid_on IS NOT NULL AND paid_on <= due_on THEN 1 ELSE 0 END) AS on_time, "
            "SUM(CASE WHEN paid_on IS NULL AND due_on < :today THEN 1 ELSE 0 END) AS overdue "
            f"FROM provider_payments WHERE provider_id IN ({marks}) GROUP BY provider_id",
            {**ids, "today": today.isoformat()})}
    for row in rows:
        found = counts.get(row["id"], {})
        paid, on_time = int(found.get("paid") or 0), int(found.get("on_time") or 0)
        expires = row["credential_expires_on"]
        row.update(credential_expires_in_days=_days_until(expires, today), payments_paid=paid,
                   payments_on_time=on_time, on_time_payment_rate=round(on_time / paid, 4) if paid else None,
                   payments_overdue_unpaid=int(found.get("overdue") or 0))


def _days_until(day: str | None, today: date) -> int | None:
    return None if day is None else (date.fromisoformat(day) - today).days


def contract_register(view: ViewReader, today: date, region: str | None = None, expiring_within_days: int = 90
                      ) -> dict[str, list[Row]]:
    """Negotiations in progress (and amendments waiting for acceptance), and contracts in force (or suspended
    with their provider) expiring within the window, soonest first, each saying in how many days."""
    until = (today + timedelta(days=expiring_within_days)).isoformat()
    negotiating, params = where({
        "status": ("(status IN ('proposed', 'negotiating', 'agreed') OR amendment_proposed_by IS NOT NULL)", True),
        "region": ("region = :region", region)})
    expiring, more = where({"status": ("status IN ('active', 'suspended')", True),
                            "until": ("expires_on <= :until", until), "region": ("region = :region", region)})
    rows = {
        "negotiating": view.select(f"SELECT * FROM contracts{negotiating} ORDER BY updated_at, id", params),
        "expiring": view.select(f"SELECT * FROM contracts{expiring} ORDER BY expires_on, id", more),
    }
    for row in (*rows["negotiating"], *rows["expiring"]):
        row["expires_in_days"] = _days_until(row["expires_on"], today)
    return rows


def contract_page(view: ViewReader, region: str | None = None, status: str | None = None,
                  provider_id: str | None = None, limit: int = 50, cursor: str | None = None,
                  today: date | None = None) -> DirectoryPage:
    """Contracts by id, filtered by region, status and provider, resumed after `cursor`; given `today`, each row
    also says in how many days it expires (`expires_in_days`, negative once past), as the register does."""
    page = _page(view, "contracts", {
        "region": ("region = :region", region), "status": ("status = :status", status),
        "provider_id": ("provider_id = :provider_id", provider_id),
    }, ("id",), limit, cursor)
    if today is not None:
        for row in page.items:
            row["expires_in_days"] = _days_until(row["expires_on"], today)
    return page


def _page(view: ViewReader, table: str, conditions: dict[str, tuple[str, Any]], order: tuple[str, ...], limit: int,
          cursor: str | None) -> DirectoryPage:
    """One page in a stable order (`order` ends with the unique id), resumed after the row `cursor` names. One row
    more than a page is read: if it comes, there is a next page, and the page's last row is its cursor."""
    after = _decode_cursor(cursor, table, len(order)) if cursor is not None else None
    columns = ", ".join(order)
    clause, params = where({**conditions, "after": (f"({columns}) > ({', '.join(f':after_{c}' for c in order)})",
                                                    after)})
    if after is not None:
        del params["after"]
        params.update({f"after_{column}": value for column, value in zip(order, after, strict=True)})
    rows = view.select(f"SELECT * FROM {table}{clause} ORDER BY {columns} LIMIT :limit", {**params, "limit": limit + 1})
    items = rows[:limit]
    more = len(rows) > limit
    return DirectoryPage(items, _encode_cursor(table, [items[-1][column] for column in order]) if more else None)


def _encode_cursor(table: str, key: list[str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([table, *key])).decode()


def _decode_cursor(cursor: str, table: str, size: int) -> list[str]:
    try:
        found, *key = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except Exception as error:
        raise InvalidCursor(f"cursor {cursor!r} is not one this list gave out") from error
    if found != table or len(key) != size or not all(isinstance(part, str) for part in key):
        raise InvalidCursor(f"cursor {cursor!r} is not one the {table} list gave out")
    return key
