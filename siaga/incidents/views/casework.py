"""Pages of incident casework."""
