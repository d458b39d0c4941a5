"""Entry point, settings, wiring, and one adapter per chat platform."""
