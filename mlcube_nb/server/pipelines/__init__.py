"""Job bodies: ingest, reference, monitoring, retraining; they read data, call pure functions, return results."""
