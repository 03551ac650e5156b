"""Tests of the server: reports."""
