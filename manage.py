#!/usr/bin/env python
"""Django's command-line utility; the installed ``siaga`` script does the same."""

from siaga.cli import main

if __name__ == "__main__":
    main()
