"""Data in: upload slots and staging, file and batch checks, storing batches, ingest jobs."""
