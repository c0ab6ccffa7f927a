"""Key-driver analysis (`drivers:`): what matters most to customers (docs/drivers-and-links.md)."""
