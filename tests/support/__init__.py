"""Helpers for tests: service checks, real servers, browsers."""
