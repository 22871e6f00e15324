"""The S3 bucket: the upstream key layout (`<size>/<id>`) plus a failure marker per upload."""

import json
import logging
from typing import Any, BinaryIO

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from imagehost.config import Config
from imagehost.sizes import ALL_KEYS, object_key

# Written by the worker when an original cannot be decoded; read by the status endpoint.
FAILED_PREFIX = "failed"
# What S3 answers to a conditional put (If-None-Match: *) on an existing key.
ALREADY_EXISTS = ("PreconditionFailed", "ConditionalRequestConflict")
# What a store without conditional puts answers: OpenStack Swift's s3api says 501
# "Conditional object PUTs are not supported" and leaves the object unchanged.
NOT_SUPPORTED = "NotImplemented"

log = logging.getLogger(__name__)


def failure_key(image_id: str) -> str:
    return f"{FAILED_PREFIX}/{image_id}"


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class Storage:
    def __init__(self, config: Config):
        self.bucket = config.bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint_url,
            aws_access_key_id=config.aws_access_key_id,
            aws_secret_access_key=config.aws_secret_access_key,
            region_name=config.aws_region_name,
            config=BotoConfig(
                connect_timeout=3,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )
        # Until the store answers NOT_SUPPORTED once; then HEAD-then-PUT for this process.
        self.conditional_puts = True

    def ensure_bucket(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if not _is_missing(error):
                raise
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as race:
                # Another process created it first.
                if race.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                    raise

    def put_new(self, key: str, body: BinaryIO | bytes, content_type: str) -> bool:
        """Store `key` only if nothing is there yet; False when it already exists.

        A store without conditional PUT (Swift) gets a HEAD, then a plain PUT when the
        key is free. Only two uploads that draw the same id within the few milliseconds
        between the two calls could both write: ids are 8 characters from a cryptographic
        generator (62**8, about 2e14, values), so that race is negligible next to any
        hardware fault; the conditional PUT where the store has one closes it fully.
        """
        if self.conditional_puts:
            start = None if isinstance(body, bytes) else body.tell()
            try:
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType=content_type,
                    IfNoneMatch="*",
                )
                return True
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code in ALREADY_EXISTS:
                    return False
                if code != NOT_SUPPORTED:
                    raise
            log.info("the S3 store has no conditional PUT: HEAD then PUT from now on")
            self.conditional_puts = False
            if start is not None:
                body.seek(start)
        if self.head(key) is not None:
            return False
        self.put(key, body, content_type)
        return True

    def put(self, key: str, body: BinaryIO | bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def head(self, key: str) -> dict[str, Any] | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        """The object with its streaming `Body`, or None."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise

    def read(self, key: str) -> bytes | None:
        obj = self.get(key)
        return None if obj is None else obj["Body"].read()

    def present_keys(self, image_id: str) -> set[str]:
        """Which of `original`, `big`, … are stored for this upload."""
        return {size for size in ALL_KEYS if self.head(object_key(size, image_id)) is not None}

    def mark_failed(self, image_id: str, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.put(failure_key(image_id), body, "application/json")

    def failure(self, image_id: str) -> str | None:
        body = self.read(failure_key(image_id))
        return None if body is None else json.loads(body).get("error", "failed")

    def check(self) -> None:
        """Raises unless the bucket answers (readiness)."""
        self.client.head_bucket(Bucket=self.bucket)
