"""CSAF 2.0 documents: validation (schema and mandatory tests) and reading product trees.

No models: ``siaga.vulns`` imports vendors' CSAF advisories with it and ``siaga.advisories``
checks the CSAF it exports.
"""
