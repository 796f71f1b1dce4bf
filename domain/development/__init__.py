"""Staff development: a coordinator's coaching of their region's representatives, and the training programmes
and sessions that make a new region ready to take cases."""
