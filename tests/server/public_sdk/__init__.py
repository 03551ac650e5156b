"""Tests of the server: public_sdk."""
