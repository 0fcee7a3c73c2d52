"""A deployment's SMTP password is read from its SSM SecureString parameter through the one AWS
SDK layer (functions/common/store.py: botocore, no boto3 at run time either), once a process."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from functions.common import store
from functions.notify import channels


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        store.reset_clients()
        channels.mail_settings.cache_clear()
        yield
        store.reset_clients()
        channels.mail_settings.cache_clear()


def test_the_smtp_password_comes_from_its_ssm_parameter_read_once(
    ssm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("ssm")
    client.put_parameter(Name="/zjtrain/smtp", Value="s3cret", Type="SecureString")
    monkeypatch.setenv("ZJT_SMTP_HOST", "smtp.example.invalid")
    monkeypatch.setenv("ZJT_SMTP_PASSWORD_PARAMETER", "/zjtrain/smtp")
    (sender,) = channels.senders()
    assert sender.cfg.password == "s3cret"
    client.put_parameter(Name="/zjtrain/smtp", Value="changed", Type="SecureString", Overwrite=True)
    (again,) = channels.senders()
    assert again.cfg.password == "s3cret"  # read once per process, not once per batch
