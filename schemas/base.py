"""The base of every model in `schemas/`.

`defer_build`: a model's validator and serializer are built when it is first used (validated,
dumped, described in the API document), not when its module is imported. A function imports
the schemas of every route it serves and of the other contexts' items it reads, and a cold start
serves one request: building them all at import was most of a heavy handler's import CPU (the
quality function: 167 models, about 80 of its 220 ms over the libraries; `python -m bench
coldstart`). The models a request uses are built on that request, once per process.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model built on first use; subclasses add their own `model_config`."""

    model_config = ConfigDict(defer_build=True)
