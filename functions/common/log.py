"""The one logger of every function (powertools' structured JSON logger, service `zjtrain`).

Its own module so that a worker, which serves no HTTP route, logs without importing the HTTP
resolver (`functions.common.app`) and everything powertools' event handler loads with it."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="zjtrain")
