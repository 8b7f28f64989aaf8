"""``python -m copro_scale.cli``."""

import sys

from . import main

sys.exit(main())
