"""Reports computed by jobs (retraining, RAG evaluation, topic modeling) and their life cycle."""
