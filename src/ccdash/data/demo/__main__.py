"""`python -m ccdash.data.demo --seed 42 --out data`."""

import sys

from . import main

sys.exit(main())
