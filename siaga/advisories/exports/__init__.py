"""Outputs of published advisories, all read from revisions' frozen content
(``siaga.advisories.snapshot``): CSAF 2.0 (``csaf``), the CSAF provider directory (``provider``),
RSS/Atom feeds (``feeds``) and the bilingual PDF (``pdf``)."""
