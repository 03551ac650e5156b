"""Thin HTTP layer: one module per area; parse, call a service, return a model."""
