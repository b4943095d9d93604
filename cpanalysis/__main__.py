import sys

from cpanalysis.cli import main

sys.exit(main())
