"""The static site: a private bucket behind CloudFront (Origin Access Control; in China, where
CloudFront has no OAC, an Origin Access Identity), served on the site's own domain with TLS 1.2
at least, access-logged.

Every response carries the security headers of `schemas/headers.py` from a response headers
policy (the site's Content-Security-Policy on pages and data, the API's on `/api/*`); the China
regions offer the same resource type, so both partitions attach the same two policies.

Files rewritten at every publish (`data/*`: catalog and search index, `projects/*`) get their own short-TTL cache
behaviour, so a publish needs no invalidation; `/api/*` is forwarded to the HTTP API uncached, so
pages and API share one origin (no CORS).
"""

from __future__ import annotations

from aws_cdk import Duration, Fn, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import Site
from infra.target import Target
from schemas import headers as security_headers

# mkdocs writes directory URLs (/catalog/ → /catalog/index.html); an S3 REST origin does not
# resolve index documents, so the viewer request is rewritten at the edge.
INDEX_REWRITE = """\
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (!uri.split('/').pop().includes('.')) {
    request.uri = uri + '/index.html';
  }
  return request;
}
"""


def headers_policy(
    scope: Construct, id: str, headers: security_headers.SecurityHeaders, comment: str
) -> cloudfront.ResponseHeadersPolicy:
    """A response headers policy sending `headers` (what the local gateway sends too)."""
    custom = [
        cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
        for name, value in headers.custom().items()
    ]
    # Defaults only: an answer that sets its own Cache-Control (an export, the API document, the
    # calendar feed) keeps it.
    custom += [
        cloudfront.ResponseCustomHeader(header=name, value=value, override=False)
        for name, value in headers.defaults().items()
    ]
    return cloudfront.ResponseHeadersPolicy(
        scope,
        id,
        comment=comment,
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=headers.content_security_policy, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.seconds(headers.hsts_max_age_seconds),
                include_subdomains=headers.hsts_include_subdomains,
                override=True,
            ),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption[headers.frame_options], override=True
            ),
            # "same-origin" -> SAME_ORIGIN
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy[
                    headers.referrer_policy.upper().replace("-", "_")
                ],
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=custom),
    )


class StaticSite(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Site,
        api: apigw.HttpApi,
        target: Target,
        access_logs: s3.IBucket,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30)),
            ],
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/site/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        origin = (
            origins.S3BucketOrigin.with_origin_access_control(self.bucket)
            if target.origin_access_control
            else origins.S3BucketOrigin.with_origin_access_identity(self.bucket)
        )
        edge: list[cloudfront.FunctionAssociation] = []
        # Without edge functions (China) the publish function writes each `…/index.html` a
        # second time at `…/`, the key CloudFront asks S3 for on a directory URL.
        self.directory_index_copies = not target.edge_functions
        if target.edge_functions:
            rewrite = cloudfront.Function(
                self,
                "IndexRewrite",
                code=cloudfront.FunctionCode.from_inline(INDEX_REWRITE),
                runtime=cloudfront.FunctionRuntime.JS_2_0,
                comment="directory URLs -> index.html",
            )
            edge.append(
                cloudfront.FunctionAssociation(
                    function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                )
            )
        pages = cloudfront.CachePolicy(
            self,
            "Pages",
            comment="handwritten pages and assets",
            default_ttl=Duration.seconds(settings.default_ttl_seconds),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(max(settings.default_ttl_seconds, 86400)),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )
        data = cloudfront.CachePolicy(
            self,
            "PublishedData",
            comment="catalog data, search index, project pages: replaced at every publish",
            default_ttl=Duration.seconds(settings.data_ttl_seconds),
            min_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(settings.data_ttl_seconds),
            enable_accept_encoding_gzip=True,
            enable_accept_encoding_brotli=True,
        )

        site_headers = headers_policy(
            self, "SiteHeaders", security_headers.SITE, "security headers and CSP of the site"
        )
        api_headers = headers_policy(
            self, "ApiHeaders", security_headers.API, "security headers of API answers"
        )

        def static(cache_policy: cloudfront.ICachePolicy) -> cloudfront.BehaviorOptions:
            return cloudfront.BehaviorOptions(
                origin=origin,
                cache_policy=cache_policy,
                response_headers_policy=site_headers,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                function_associations=edge,
                compress=True,
            )

        api_origin = origins.HttpOrigin(
            Fn.select(2, Fn.split("/", api.api_endpoint)),
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        behaviors = {path: static(data) for path in settings.data_paths}
        behaviors["/api/*"] = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=api_headers,
        )
        # "TLSv1.2_2021" -> TLS_V1_2_2021
        tls = cloudfront.SecurityPolicyProtocol[
            settings.minimum_tls.upper().replace("TLSV", "TLS_V").replace(".", "_")
        ]
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="zjtrain static site",
            default_root_object="index.html",
            http_version=(
                cloudfront.HttpVersion.HTTP2_AND_3 if target.http3 else cloudfront.HttpVersion.HTTP2
            ),
            # CloudFront China has its own four edge cities and no price classes to choose.
            price_class=None if target.china else cloudfront.PriceClass.PRICE_CLASS_ALL,
            default_behavior=static(pages),
            additional_behaviors=behaviors,
            domain_names=[settings.domain] if target.acm_for_cloudfront else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", settings.certificate)
                if target.acm_for_cloudfront
                else None
            ),
            minimum_protocol_version=tls if target.acm_for_cloudfront else None,
            ssl_support_method=cloudfront.SSLMethod.SNI if target.acm_for_cloudfront else None,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,
            # No custom error responses: they would apply to /api/* too and mask API 403/404s.
        )
        if not target.acm_for_cloudfront:
            # CloudFront in China takes the certificate from IAM (ServerCertificateId); the CDK
            # construct knows only ACM, so the viewer certificate is set on the resource.
            cfn = self.distribution.node.default_child
            assert isinstance(cfn, cloudfront.CfnDistribution)
            cfn.add_property_override("DistributionConfig.Aliases", [settings.domain])
            cfn.add_property_override(
                "DistributionConfig.ViewerCertificate",
                {
                    "IamCertificateId": settings.certificate,
                    "SslSupportMethod": "sni-only",
                    "MinimumProtocolVersion": settings.minimum_tls,
                },
            )
