import sys

from pyguard.cli import main

sys.exit(main())
