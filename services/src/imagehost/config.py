"""Settings from the environment: the upstream variable names, plus our limits."""

import os
from dataclasses import dataclass, field

from imagehost.backoff import MAX_RETRIES

MIB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    broker_url: str = field(repr=False)  # may carry a password
    s3_endpoint_url: str | None
    aws_access_key_id: str | None
    # Never in a repr, hence never in a log line or a traceback that prints the config.
    aws_secret_access_key: str | None = field(repr=False)
    aws_region_name: str
    bucket: str
    max_upload_bytes: int
    max_image_pixels: int
    # Redis only: how long a delivered but unacknowledged task waits before redelivery.
    visibility_timeout: int
    worker_metrics_port: int
    # Proxies in front of the backend whose X-Forwarded-For/-Proto are believed (0: none).
    trusted_proxy_hops: int = 0
    # Seconds a client has to send a whole request body (0: no limit).
    request_body_timeout: float = 120
    # "strip": remove location, serials and maker notes from stored originals; "keep": byte-exact.
    original_metadata: str = "strip"
    # Worker: pool processes (None: one per CPU) and the KiB of memory after which a
    # pool process is replaced once its task is done.
    worker_concurrency: int | None = None
    worker_max_memory_per_child: int = 1024 * 1024
    # Seconds: SoftTimeLimitExceeded in the task, then the pool process is killed.
    task_soft_time_limit: float = 120
    task_time_limit: float = 180
    # A task delivered this many times without finishing (its process died each time:
    # a decoder crash, an out-of-memory kill) marks its upload failed.
    task_max_deliveries: int = 3
    # Storage errors are retried this many times (exponential backoff) before giving up.
    task_max_retries: int = MAX_RETRIES

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Config":
        env = os.environ if env is None else env
        return cls(
            broker_url=env.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
            aws_region_name=env.get("AWS_REGION_NAME", "us-east-1"),
            bucket=env.get("S3_BUCKET_NAME", "images"),
            max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", 20 * MIB)),
            max_image_pixels=int(env.get("MAX_IMAGE_PIXELS", 50_000_000)),
            visibility_timeout=int(env.get("CELERY_VISIBILITY_TIMEOUT", 3600)),
            worker_metrics_port=int(env.get("WORKER_METRICS_PORT", 9808)),
            trusted_proxy_hops=int(env.get("TRUSTED_PROXY_HOPS", 0)),
            request_body_timeout=float(env.get("REQUEST_BODY_TIMEOUT", 120)),
            original_metadata=_choice(env, "ORIGINAL_METADATA", ("strip", "keep")),
            worker_concurrency=int(env.get("WORKER_CONCURRENCY") or 0) or None,
            worker_max_memory_per_child=int(env.get("WORKER_MAX_MEMORY_PER_CHILD", 1024 * 1024)),
            task_soft_time_limit=float(env.get("TASK_SOFT_TIME_LIMIT", 120)),
            task_time_limit=float(env.get("TASK_TIME_LIMIT", 180)),
            task_max_deliveries=int(env.get("TASK_MAX_DELIVERIES", 3)),
            task_max_retries=int(env.get("TASK_MAX_RETRIES", MAX_RETRIES)),
        )


def _choice(env, name: str, allowed: tuple[str, ...]) -> str:
    """The variable's value (default: the first allowed); a typo fails at start-up."""
    value = env.get(name, allowed[0]).strip().lower()
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value
