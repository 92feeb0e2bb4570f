"""Student records: the dean's office's directory, its photos, import and sample data."""
