"""Pydantic models: the one definition of every record, payload and data file.

Nothing in this package imports boto3: `build.py`, `functions/`, `infra/`, `local/` and the tests
all import these models.
"""
