"""Parsers of outside feeds: each turns a report's bytes into a harmonized frame and quarantined rows."""
