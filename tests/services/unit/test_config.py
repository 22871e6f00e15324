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
