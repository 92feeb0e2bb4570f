"""Landing pages."""
