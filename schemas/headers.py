"""The security headers every response carries: one definition that the deployment's CloudFront
response headers policies (`infra/site.py`) and the local gateway (`local/gateway.py`) both read,
so what a browser gets from `make dev` is what it gets from the distribution.

Two sets: `SITE` for the static pages and their data (a Content-Security-Policy the built site
satisfies), `API` for `/api/*` (JSON and files: nothing there may run, be framed or be cached by
default). The site's policy allows scripts from the site itself plus the theme's inline scripts
by their sha256 hashes (`INLINE_SCRIPTS`); `tests/unit/test_security_headers.py` builds the site
and fails when an inline script appears that the list does not cover, or a listed one is gone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from schemas.base import Model

# The inline scripts mkdocs-material writes into every page, by the sha256 of their text (CSP
# hash sources). `extra.scope: /` in site/mkdocs.yml makes the first one the same on every page
# (without it the scope is a relative URL that differs with the page's depth).
INLINE_SCRIPTS: tuple[tuple[str, str], ...] = (
    (
        "sha256-exqRXrW/0laiImCrTE8a70vxyyY10FJVIppytLf/dbY=",
        "partials/javascripts/base.html: __md_scope, __md_get/__md_set (localStorage helpers)",
    ),
    (
        "sha256-/8wPdzX9q0NNJXyA5lzsLojXFpkeaXVxhbfkUOQaWy8=",
        "partials/javascripts/content.html: opens the content tab a URL fragment names",
    ),
)

# Each directive and why. Styles: the theme and ECharts (its tooltips are HTML strings with
# `style` attributes) set inline styles, so style-src keeps 'unsafe-inline'; scripts never do.
CSP_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", " ".join(["'self'", *(f"'{h}'" for h, _ in INLINE_SCRIPTS)])),
    ("style-src", "'self' 'unsafe-inline'"),
    # data: for the theme's icons (SVG masks in its CSS), blob: for a chart or QR code saved as
    # an image.
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),  # the theme's search worker
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)

# What an API answer may do in a browser: nothing (no script, no frame, no subresource).
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeaders(Model):
    """The headers of one kind of response. Field values are what goes on the wire; infra maps
    each onto CloudFront's typed settings, the gateway sends `as_headers()`."""

    model_config = ConfigDict(frozen=True)

    content_security_policy: str
    # HSTS: a year, subdomains too (the site's domain serves nothing over plain HTTP; CloudFront
    # redirects to HTTPS). Browsers ignore it over http://127.0.0.1, so one value serves both.
    hsts_max_age_seconds: int = 31_536_000
    hsts_include_subdomains: bool = True
    frame_options: Literal["DENY", "SAMEORIGIN"] = "DENY"
    # same-origin: a page's address (an ID number in a query, a class id) never leaves the site.
    referrer_policy: str = "same-origin"
    content_type_options: Literal["nosniff"] = "nosniff"
    # Powerful features no page uses, so a script that got in could not ask for them either.
    permissions_policy: str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    # No page opens or is opened by another site's window (window.opener stays empty).
    cross_origin_opener_policy: str = "same-origin"
    # A default only: a response that sets its own Cache-Control keeps it.
    cache_control: str | None = None

    def strict_transport_security(self) -> str:
        value = f"max-age={self.hsts_max_age_seconds}"
        return value + "; includeSubDomains" if self.hsts_include_subdomains else value

    def as_headers(self) -> dict[str, str]:
        """The headers that replace whatever a response had (CloudFront's `override: true`)."""
        return {
            "Content-Security-Policy": self.content_security_policy,
            "Strict-Transport-Security": self.strict_transport_security(),
            "X-Frame-Options": self.frame_options,
            "Referrer-Policy": self.referrer_policy,
            "X-Content-Type-Options": self.content_type_options,
            **self.custom(),
        }

    def custom(self) -> dict[str, str]:
        """The replacing headers CloudFront has no typed setting for (its custom headers)."""
        return {
            "Permissions-Policy": self.permissions_policy,
            "Cross-Origin-Opener-Policy": self.cross_origin_opener_policy,
        }

    def defaults(self) -> dict[str, str]:
        """Headers added only where a response has none (CloudFront's `override: false`)."""
        return {"Cache-Control": self.cache_control} if self.cache_control else {}


SITE = SecurityHeaders(
    content_security_policy="; ".join(f"{name} {value}" for name, value in CSP_DIRECTIVES),
)
# API answers hold personal data: not stored by the browser unless a route says otherwise (the
# calendar feed, the API document).
API = SecurityHeaders(content_security_policy=API_CSP, cache_control="no-store")


def for_path(path: str) -> SecurityHeaders:
    """Which set a request path gets (the distribution's `/api/*` behaviour or the others)."""
    return API if path == "/api" or path.startswith("/api/") else SITE
