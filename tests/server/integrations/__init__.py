"""Tests of the server: integrations."""
