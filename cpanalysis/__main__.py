import sys

from cpanalysis.cli import main

if __name__ == "__main__":  # imported by doctest collection too: run only as `python -m cpanalysis`
    sys.exit(main())
