"""The stack's security baseline, one construct per concern:

- `DataKey`: the customer-managed KMS key (yearly rotation) for the table, queues, topic and log
  groups, with the key-policy statements the services that use it need;
- `AccessLogs`: the bucket that receives CloudFront and S3 access logs, kept `logs.retention_days`
  (网络安全法 asks for at least 180 days);
- `AuditTrail`: a multi-region CloudTrail trail (or none, when the account's own trail is named
  in `infra/config.yaml`).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.config import Logs


class DataKey(Construct):
    def __init__(self, scope: Construct, id: str, *, stack_name: str) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{stack_name}-data",
            description="zjtrain: table, queues, alarm topic and log groups (personal information)",
            enable_key_rotation=True,
            rotation_period=Duration.days(365),
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts this account's log groups in this region with the key. Its
        # principal is regional and carries the partition's DNS suffix
        # (logs.cn-northwest-1.amazonaws.com.cn in China), so it is built from pseudo parameters.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsEncryptsThisAccountsLogGroups",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.{Aws.URL_SUFFIX}")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )
        # CloudWatch alarms publish to the encrypted alarm topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublishToTheEncryptedTopic",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )


class AccessLogs(Construct):
    """CloudFront standard logs and S3 server access logs, under one prefix each."""

    def __init__(self, scope: Construct, id: str, *, settings: Logs) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront standard logging writes with the awslogsdelivery account's object ACL;
            # it refuses a bucket whose ACLs are disabled (BucketOwnerEnforced).
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            # CloudFront's log delivery cannot write with a customer-managed key.
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(settings.retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )


class AuditTrail(Construct):
    """Every management API call of the account, in every region of the partition."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: Logs,
        key: kms.IKey,
        access_logs: s3.IBucket,
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
                s3.LifecycleRule(
                    expiration=Duration.days(settings.retention_days),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/trail/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            bucket=self.bucket,
            encryption_key=key,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_file_validation=True,
        )
