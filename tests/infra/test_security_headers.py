"""The distribution sends the security headers of schemas/headers.py (issue 11, item 5): every
behaviour has a response headers policy, pages and data the site's (with its CSP), `/api/*` the
API's, with exactly the values the local gateway sends; China gets the same policies."""

from __future__ import annotations

from typing import Any

from schemas import headers as security_headers
from tests.infra.conftest import Synth

# CloudFront's quota on a Content-Security-Policy value in a response headers policy.
CLOUDFRONT_CSP_MAX_CHARS = 1783


def _distribution(synth: Synth) -> dict[str, Any]:
    (dist,) = synth.resources("AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = dist["Properties"]["DistributionConfig"]
    return config


def _sent(policy: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The headers a policy replaces (override) and the ones it only adds when absent, as the
    header lines a browser receives."""
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    sec = config["SecurityHeadersConfig"]
    hsts = sec["StrictTransportSecurity"]
    parts = [sec[k]["Override"] for k in sec]
    assert all(parts), f"every security header overrides the origin's: {sec}"
    replaced = {
        "Content-Security-Policy": sec["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts.get("IncludeSubdomains") else ""),
        "X-Frame-Options": sec["FrameOptions"]["FrameOption"],
        "Referrer-Policy": sec["ReferrerPolicy"]["ReferrerPolicy"],
        "X-Content-Type-Options": "nosniff",
    }
    added = {}
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        (replaced if item["Override"] else added)[item["Header"]] = item["Value"]
    return replaced, added


def _policy_of(synth: Synth, behaviour: dict[str, Any]) -> dict[str, Any]:
    ref = behaviour.get("ResponseHeadersPolicyId")
    assert ref is not None, f"behaviour without a response headers policy: {behaviour}"
    policy: dict[str, Any] = synth.template["Resources"][ref["Ref"]]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    return policy


def test_pages_and_data_get_the_site_headers_the_gateway_sends(any_synth: Synth) -> None:
    dist = _distribution(any_synth)
    behaviours = [dist["DefaultCacheBehavior"]] + [
        b for b in dist["CacheBehaviors"] if not b["PathPattern"].startswith("/api/")
    ]
    assert len(behaviours) == 1 + len(any_synth.config.site.data_paths)
    site = security_headers.SITE
    for b in behaviours:
        assert _sent(_policy_of(any_synth, b)) == (site.as_headers(), site.defaults())


def test_api_answers_get_the_api_headers_and_no_store_by_default(any_synth: Synth) -> None:
    (api,) = [b for b in _distribution(any_synth)["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    replaced, added = _sent(_policy_of(any_synth, api))
    assert (replaced, added) == (security_headers.API.as_headers(), security_headers.API.defaults())
    assert "frame-ancestors 'none'" in replaced["Content-Security-Policy"]
    assert added == {"Cache-Control": "no-store"}


def test_the_site_policy_fits_cloudfronts_limit_and_allows_no_inline_script(
    synth: Synth,
) -> None:
    csp = security_headers.SITE.content_security_policy
    assert len(csp) <= CLOUDFRONT_CSP_MAX_CHARS
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_hsts_is_a_year_with_subdomains() -> None:
    for headers in (security_headers.SITE, security_headers.API):
        assert headers.as_headers()["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )
