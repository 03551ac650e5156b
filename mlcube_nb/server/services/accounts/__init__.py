"""Who may do what: users, companies, sessions, API keys, identity of a caller, quota usage."""
