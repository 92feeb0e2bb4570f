"""Majors (fields of study): names, descriptions and their student counts."""
