"""Accounts: registration, login, tokens, profile, password reset, role management."""
