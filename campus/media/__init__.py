"""Stored files: generated names under MEDIA_ROOT, type sniffing, image re-encoding.

Shared by student photos and (later) chat attachments.
"""
