"""``python -m assistant``: the command line (:mod:`assistant.cli.main`)."""

import sys

from assistant.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
