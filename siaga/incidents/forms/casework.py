"""Forms of incident casework."""
