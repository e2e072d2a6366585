"""Pages of incident deadlines."""
