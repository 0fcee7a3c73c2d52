"""The end of a cold start's imports: `loaded()` is the last line of every handler module.

In a Lambda runtime `functions/__init__.py` paused the cyclic garbage collector for the imports
(it says why). Here everything they built is moved out of later collections (`gc.freeze`: it
lives as long as the process, so no collection would free it, and each full one would walk it)
and collection resumes, before the first event. Elsewhere the collector was never paused and
this does nothing.
"""

from __future__ import annotations

import gc


def loaded() -> None:
    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()
