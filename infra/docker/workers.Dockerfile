# Image of the workers that render exports (docs/infra.md, "Packaging").
#
# Debian rather than the AWS Lambda base image: WeasyPrint 70 needs Pango >= 1.44, and the
# python:3.11 Lambda base image (Amazon Linux 2) ships Pango 1.42. Debian bookworm has the same
# packages `make system-deps` installs for the tests (pango 1.50, harfbuzz, DejaVu fonts), so
# the worker renders in Lambda exactly as it does in CI. The AWS Lambda runtime interface client
# (awslambdaric) turns the image into a Lambda runtime; the function's command names the handler.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XDG_CACHE_HOME=/tmp/cache

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache --force --system-only

WORKDIR /var/task
COPY requirements.txt requirements-workers.txt infra/docker/requirements-image.txt ./
RUN pip install --requirement requirements-workers.txt --requirement requirements-image.txt

COPY chalicelib ./chalicelib
COPY functions ./functions
COPY templates ./templates

# Lambda runs the image as its own unprivileged user, with a read-only file system except /tmp
# (hence XDG_CACHE_HOME, and the system font cache built above).
USER 1000:1000
ENTRYPOINT ["python", "-m", "awslambdaric"]
CMD ["functions.exports.handlers.queue_handler"]
