"""The ``siaga`` console script: Django's manage.py plus Siaga's operational commands.

``siaga --help`` lists every command; ``siaga <command> --help`` documents one.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siaga.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["siaga", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
