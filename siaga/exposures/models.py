"""Exposure findings: a constituent's system that runs a product a vulnerability affects."""
