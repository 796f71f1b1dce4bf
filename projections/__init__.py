"""Read models (built in a later change)."""
