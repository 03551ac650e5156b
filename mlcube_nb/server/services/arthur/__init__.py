"""The ArthurAI-compatible facade's accounts, projects and models over the platform's own."""
