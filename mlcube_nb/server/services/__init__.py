"""Business rules per area; the only code that writes the database. Keyword-only ``session``/``caller``."""
