"""Commands on regions and their staff."""

from __future__ import annotations

from domain.errors import RecordNotFound, RegionAlreadyEstablished
from domain.ledger import CommandResult, LedgerBase
from domain.region import Region
from domain.values import Context

__all__ = ["RegionCommands"]


class RegionCommands(LedgerBase):
    def region(self, code: str) -> Region:
        """The region with this code, with its staff."""
        try:
            return self.get(Region, Region.id_for(code))
        except RecordNotFound:
            raise RecordNotFound("region", code) from None

    def establish_region(self, ctx: Context, code: str, name: str) -> CommandResult:
        if Region.id_for(code) in self.repository:
            raise RegionAlreadyEstablished(code)
        return self._commit(Region.establish(ctx, code, name))

    def appoint_coordinator(self, ctx: Context, region: str, staff_id: str, name: str) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.appoint_coordinator(ctx, staff_id, name))

    def add_representative(self, ctx: Context, region: str, staff_id: str, name: str) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.add_representative(ctx, staff_id, name))

    def remove_representative(self, ctx: Context, region: str, staff_id: str) -> CommandResult:
        return self._update(Region, self.region(region).id, None, lambda r: r.remove_representative(ctx, staff_id))
