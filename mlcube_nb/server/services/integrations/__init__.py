"""Out of the platform: detection-event rules and their actions, triggers, stored credentials."""
