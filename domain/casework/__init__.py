"""Casework: a customer's or member's case from first contact to closure, its SLA, and the callers it flags."""
