"""The Celery application both sides share: the backend sends, the worker consumes."""

from celery import Celery

from imagehost.config import Config

RESIZE_TASK = "imagehost.resize"
QUEUE = "imagehost"


def make_celery(config: Config) -> Celery:
    app = Celery("imagehost", broker=config.broker_url)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        # A task is acknowledged when done, not when received: a worker that dies
        # mid-task leaves it to be delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # Redis only (AMQP redelivers as soon as the consumer's connection drops): a task
        # whose worker died goes back to the queue once unacknowledged for this long;
        # workers look for such tasks every few seconds (kombu's default: 100 s). The
        # lock around that sweep must not outlive the timeout by much: a worker killed
        # while holding it would otherwise block every sweep for kombu's 5 minutes.
        broker_transport_options={
            "visibility_timeout": config.visibility_timeout,
            "unacked_restore_interval": max(1, min(10, config.visibility_timeout // 5)),
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": min(300, config.visibility_timeout),
        },
        worker_hijack_root_logger=True,
        # 0 disables a limit (Celery's None).
        task_soft_time_limit=config.task_soft_time_limit or None,
        task_time_limit=config.task_time_limit or None,
        worker_max_memory_per_child=config.worker_max_memory_per_child or None,
    )
    if config.worker_concurrency:
        app.conf.worker_concurrency = config.worker_concurrency
    return app
