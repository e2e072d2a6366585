"""Forms of incident deadlines."""
