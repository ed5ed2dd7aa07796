"""ccdash: an analytics dashboard for a city command center.

Importing ccdash changes nothing in the process: the entry points (`python -m ccdash`, the dashboard
script) call `ccdash.memory.tune_process()` themselves.
"""

__version__ = "0.1.0"
