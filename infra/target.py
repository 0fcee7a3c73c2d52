"""What the stack may use where it deploys: the global partition (`aws`) or the China regions
(`aws-cn`, cn-north-1 Beijing and cn-northwest-1 Ningxia).

Each difference names its source; the deployment guide (`site/docs/operator/deploy.md`, "中国区域")
lists the same table for the operator. Where China lacks a feature the stack uses the nearest
equivalent:

| feature | global | China | source |
|---|---|---|---|
| S3 origin access | Origin Access Control | Origin Access Identity | CloudFormation registry of the China regions: no `AWS::CloudFront::OriginAccessControl` |
| directory URLs (/catalog/ → index.html) | CloudFront Function | publish writes a copy of each `…/index.html` at `…/` | registry: no `AWS::CloudFront::Function`; Lambda@Edge not in CloudFront China (AWS, "Content delivery in China") |
| viewer certificate | ACM in us-east-1 | certificate uploaded to IAM | "Amazon CloudFront in China": no ACM for CloudFront; ICP-filed CNAME required |
| security response headers (CSP, HSTS, …) | response headers policy | the same | registry: `AWS::CloudFront::ResponseHeadersPolicy` in both regions; the China CloudFront developer guide documents response headers policies and its differences page lists no exception |
| web ACL on the distribution | WAFv2, CLOUDFRONT scope (in us-east-1) | none: WAF is regional only in China | "Amazon WAF in China": regional level only |
| HTTP/3 | HTTP/2 and HTTP/3 | HTTP/2 | not documented for CloudFront China: the conservative choice |
| X-Ray active tracing | on | off | "Amazon Lambda in China": no X-Ray integration with Lambda |
| async invocation metrics | not used: failures go to an SQS destination with an alarm in both | — | "Amazon Lambda in China": no AsyncEventsReceived/Age/Dropped |

HTTP APIs with JWT authorizers, EventBridge Scheduler, DynamoDB (warm throughput included), KMS,
SQS, SNS, CloudWatch, CloudTrail and WAFv2 resource types are all in the China regions' registry;
API Gateway in China answers unauthenticated routes only for an account with an ICP filing.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import Deployment


@dataclass(frozen=True)
class Target:
    partition: str
    region: str

    @property
    def china(self) -> bool:
        return self.partition == "aws-cn"

    @property
    def origin_access_control(self) -> bool:
        """OAC signs S3 requests (SigV4); China has only the older Origin Access Identity."""
        return not self.china

    @property
    def edge_functions(self) -> bool:
        """CloudFront Functions (and Lambda@Edge): absent from CloudFront China."""
        return not self.china

    @property
    def edge_web_acl(self) -> bool:
        """A CLOUDFRONT-scope WAF web ACL: China's WAF is regional only."""
        return not self.china

    @property
    def xray(self) -> bool:
        """Lambda's active tracing: X-Ray is not integrated with Lambda in China."""
        return not self.china

    @property
    def http3(self) -> bool:
        return not self.china

    @property
    def acm_for_cloudfront(self) -> bool:
        """CloudFront in China reads certificates from IAM, not ACM."""
        return not self.china

    @property
    def edge_region(self) -> str:
        """Where CloudFront-scope resources (web ACL, ACM certificate) must live (global only)."""
        return "us-east-1"


def target(deployment: Deployment) -> Target:
    return Target(partition=deployment.partition, region=deployment.region)
