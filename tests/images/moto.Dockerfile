# Test-only S3 for the image smoke test: moto_server, installed offline from the
# wheels tests/images/conftest.py builds on the host (pip here cannot reach PyPI).
FROM debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10002 --user-group --no-create-home --shell /usr/sbin/nologin moto
RUN python3 -m venv /opt/moto
COPY build/moto-wheelhouse/ /tmp/wheelhouse/
RUN /opt/moto/bin/pip install --no-cache-dir --no-index --no-deps /tmp/wheelhouse/*.whl \
 && /opt/moto/bin/pip check
USER moto
EXPOSE 5000
CMD ["/opt/moto/bin/moto_server", "--host", "0.0.0.0", "--port", "5000"]
