"""Translation catalogue tools: compile .po to .mo without GNU gettext, and report gaps.

``python -m siaga.core.i18n compile`` writes every ``django.mo`` next to its ``django.po``;
``python -m siaga.core.i18n check`` lists untranslated and fuzzy entries (exit status 1 if any).
The compiled .mo files are committed, so ``make run`` needs neither gettext nor polib.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def load(path: Path) -> Any:
    import polib

    return polib.pofile(str(path), wrapwidth=100)


def compile_all() -> list[Path]:
    written = []
    for po_path in catalogues():
        target = po_path.with_suffix(".mo")
        load(po_path).save_as_mofile(str(target))
        written.append(target)
    return written


def gaps(po_path: Path) -> list[str]:
    catalogue = load(po_path)
    missing = [f"untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    fuzzy = [f"fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    return missing + fuzzy


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":
        for path in compile_all():
            print(f"wrote {path}")
        return 0
    problems = [f"{path}: {gap}" for path in catalogues() for gap in gaps(path)]
    print("\n".join(problems) or "every catalogue is complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
