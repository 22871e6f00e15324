import pytest
from imagehost.config import Config


def test_defaults_are_upstreams_and_ours():
    config = Config.from_env({})
    assert config.aws_region_name == "us-east-1"
    assert config.bucket == "images"
    assert config.max_upload_bytes == 20 * 1024 * 1024
    assert config.max_image_pixels == 50_000_000
    assert config.worker_metrics_port == 9808
    assert config.s3_endpoint_url is None


def test_upstream_variable_names_are_read():
    config = Config.from_env(
        {
            "CELERY_BROKER_URL": "amqp://u:p@rabbit:5672//",
            "S3_ENDPOINT_URL": "http://minio:9000",
            "AWS_ACCESS_KEY_ID": "key",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_REGION_NAME": "eu-west-3",
            "S3_BUCKET_NAME": "photos",
            "MAX_UPLOAD_BYTES": "1000",
            "MAX_IMAGE_PIXELS": "2000",
            "CELERY_VISIBILITY_TIMEOUT": "7",
            "WORKER_METRICS_PORT": "0",
        }
    )
    assert config.broker_url == "amqp://u:p@rabbit:5672//"
    assert config.s3_endpoint_url == "http://minio:9000"
    assert (config.aws_access_key_id, config.aws_secret_access_key) == ("key", "secret")
    assert config.aws_region_name == "eu-west-3"
    assert config.bucket == "photos"
    assert (config.max_upload_bytes, config.max_image_pixels) == (1000, 2000)
    assert config.visibility_timeout == 7
    assert config.worker_metrics_port == 0


def test_limits_and_switches_of_issue_9():
    config = Config.from_env({})
    assert (config.trusted_proxy_hops, config.request_body_timeout) == (0, 120)
    assert config.original_metadata == "strip"
    assert (config.task_soft_time_limit, config.task_time_limit) == (120, 180)
    assert (config.task_max_deliveries, config.task_max_retries) == (3, 30)
    assert config.worker_concurrency is None
    assert config.worker_max_memory_per_child == 1024 * 1024
    config = Config.from_env(
        {"TRUSTED_PROXY_HOPS": "2", "ORIGINAL_METADATA": "Keep", "WORKER_CONCURRENCY": "4"}
    )
    assert (config.trusted_proxy_hops, config.original_metadata) == (2, "keep")
    assert config.worker_concurrency == 4


def test_a_mistyped_switch_stops_the_start():
    with pytest.raises(ValueError, match="ORIGINAL_METADATA"):
        Config.from_env({"ORIGINAL_METADATA": "strp"})


def test_secrets_never_appear_in_a_repr():
    config = Config.from_env(
        {"AWS_SECRET_ACCESS_KEY": "s3cr3t-key", "CELERY_BROKER_URL": "amqp://u:pa55@mq//"}
    )
    assert "s3cr3t-key" not in repr(config)
    assert "pa55" not in repr(config)
