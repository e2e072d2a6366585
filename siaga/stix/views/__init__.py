"""Pages of the stix app."""
