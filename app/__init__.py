"""Rapport's application layer: settings, web app, CLI, jobs; the only place that wires packages together."""
