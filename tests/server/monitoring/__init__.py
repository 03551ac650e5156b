"""Tests of the server: monitoring."""
