"""Tests of the server: ingest."""
