"""Pages of constituents."""
