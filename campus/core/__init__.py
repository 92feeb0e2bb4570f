"""Shared building blocks; imports nothing else from `campus`."""
