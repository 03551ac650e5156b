"""Monitoring results: references, statuses, detection events, estimated performance."""
