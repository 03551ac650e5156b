"""What is monitored: projects, tasks, models, data schemas and KPIs, with their checks."""
