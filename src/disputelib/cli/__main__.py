import sys

from disputelib.cli import main

sys.exit(main())
