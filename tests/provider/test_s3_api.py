"""The provider's S3 (Swift + s3api) as boto3 sees it, its secrets, and its footprint."""

import io
import re
import secrets
import subprocess

import pytest
import redis
from botocore.exceptions import ClientError
from provider import Provider
from stack import docker

pytestmark = pytest.mark.provider


def error_of(call) -> tuple[int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_bucket_and_object_calls(provider: Provider):
    s3 = provider.client()
    bucket = f"api-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    assert error_of(lambda: s3.create_bucket(Bucket=bucket)) == (409, "BucketAlreadyOwnedByYou")
    s3.head_bucket(Bucket=bucket)

    body = secrets.token_bytes(300_000)
    put = s3.put_object(Bucket=bucket, Key="original/Abc12345", Body=body, ContentType="image/png")
    head = s3.head_object(Bucket=bucket, Key="original/Abc12345")
    assert (head["ContentLength"], head["ContentType"]) == (len(body), "image/png")
    assert head["ETag"] == put["ETag"]
    got = s3.get_object(Bucket=bucket, Key="original/Abc12345")
    assert got["Body"].read() == body
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="original/Nope1234")) == (404, "404")
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key="original/Nope1234")) == (
        404,
        "NoSuchKey",
    )

    for size in ("big", "small", "tiny"):
        s3.put_object(Bucket=bucket, Key=f"{size}/Abc12345", Body=b"x")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}
    )
    listed = [[obj["Key"] for obj in page.get("Contents", [])] for page in pages]
    assert listed == [["big/Abc12345", "original/Abc12345"], ["small/Abc12345", "tiny/Abc12345"]]

    for key in [key for page in listed for key in page]:
        s3.delete_object(Bucket=bucket, Key=key)
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []
    s3.delete_bucket(Bucket=bucket)
    assert error_of(lambda: s3.head_bucket(Bucket=bucket)) == (404, "404")


def test_conditional_put_is_not_implemented_and_changes_nothing(provider: Provider):
    """The one difference from AWS and MinIO the services adapt to (storage.put_new)."""
    s3 = provider.client()
    bucket = f"cond-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"first")
    for key in ("k", "new"):
        refused = lambda key=key: s3.put_object(  # noqa: E731
            Bucket=bucket, Key=key, Body=io.BytesIO(b"second"), IfNoneMatch="*"
        )
        assert error_of(refused) == (501, "NotImplemented")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="new")) == (404, "404")


def test_wrong_secret_is_refused(provider: Provider):
    intruder = provider.client(secret_key=secrets.token_hex(20))
    assert error_of(intruder.list_buckets) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: intruder.create_bucket(Bucket="intruder")) == (
        403,
        "SignatureDoesNotMatch",
    )


def test_redis_needs_the_password(provider: Provider):
    assert provider.redis().ping()
    stranger = redis.Redis(host=provider.ip, password="wrong", socket_timeout=5)
    with pytest.raises(Exception, match=re.compile("invalid|WRONGPASS|denied", re.IGNORECASE)):
        stranger.ping()


@pytest.mark.parametrize(
    ("mode", "env", "missing"),
    [
        ([], {}, "S3_ACCESS_KEY"),
        ([], {"S3_ACCESS_KEY": "imgr:app"}, "S3_SECRET_KEY"),
        ([], {"S3_ACCESS_KEY": "imgr:app", "S3_SECRET_KEY": "s3cret"}, "REDIS_PASSWORD"),
        ([], {"S3_ACCESS_KEY": "app", "S3_SECRET_KEY": "s", "REDIS_PASSWORD": "r"}, "ACCESS_KEY"),
        (["forward"], {}, "PUBLIC_FORWARD"),
        (["forward"], {"PUBLIC_FORWARD": "172.29.10.100"}, "PUBLIC_FORWARD"),
        (["forward"], {"PUBLIC_FORWARD": "10.0.0.1:1", "PUBLIC_TLS_FORWARD": "x"}, "PUBLIC_TLS"),
        (["s3"], {}, "unknown mode 's3'"),
    ],
    ids=[
        "nothing",
        "no-s3-secret",
        "no-redis-password",
        "access-key-without-account",
        "forward-without-target",
        "forward-without-port",
        "tls-forward-without-port",
        "unknown-mode",
    ],
)
def test_refuses_to_start_without_its_settings(provider_image: str, mode, env, missing):
    flags = [arg for key, value in env.items() for arg in ("--env", f"{key}={value}")]
    result = subprocess.run(
        ["docker", "run", "--rm", "--init", *flags, provider_image, *mode],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert missing in result.stderr


def test_no_secret_in_the_image_or_the_logs(provider: Provider, provider_image: str):
    env = docker("image", "inspect", "--format", "{{json .Config.Env}}", provider_image)
    assert not re.search("SECRET|PASSWORD|ACCESS_KEY", env)
    history = docker("history", "--no-trunc", provider_image)
    logs = provider.logs()
    for secret in (provider.secret_key, provider.redis_password):
        assert secret not in history
        assert secret not in logs


def test_print_footprint(provider: Provider, capsys):
    """Figures, not assertions: how long a fresh provider takes to start, and its memory."""
    with capsys.disabled():
        print()
        for name, value in provider.figures.items():
            print(f"provider {name}: {value}")
