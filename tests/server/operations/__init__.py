"""Tests of the server: operations (jobs, housekeeping, health, scale-out)."""
