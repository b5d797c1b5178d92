"""Command-line tools: process supervision, demo data, imports."""
