"""A region's staff: who works where, who takes escalations, and the rule that only current staff act."""
