"""Tests of the server: reliability."""
