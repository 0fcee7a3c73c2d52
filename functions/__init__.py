"""Lambda functions, one package per bounded context; `common` is what they share.

A cold start in a Lambda runtime loads its handler with Python's cyclic garbage collector
paused, from here (the first module of any function to load, before the libraries) to the last
line of the handler module (`functions.common.coldstart.loaded()`). What a cold start builds
(modules, classes, pydantic schemas) lives as long as the process, so collecting while it loads
only walks it again and again: about a tenth of a handler's import CPU (`python -m bench
coldstart`). Outside Lambda (tests, the local stack) nothing changes.
"""

import gc
import os

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    gc.disable()
