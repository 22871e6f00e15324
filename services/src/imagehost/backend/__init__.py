"""The HTTP backend: `gunicorn 'imagehost.backend:create_app()'`."""


def create_app(config=None):
    # Imported here, not at the top: `imagehost.backend.gunicorn_conf` must run before
    # prometheus_client is first imported (it picks multi-process mode at import).
    from imagehost.backend.app import create_app as factory

    return factory(config)
