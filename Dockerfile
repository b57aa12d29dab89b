FROM python:3.11-slim

WORKDIR /srv/convlens
COPY pyproject.toml README.md ./
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir . \
    && useradd --system --create-home convlens \
    && mkdir -p /data && chown convlens /data

ENV CONVLENS_DATA_DIR=/data \
    CONVLENS_HOST=0.0.0.0 \
    CONVLENS_PORT=8000
VOLUME /data
EXPOSE 8000
USER convlens

HEALTHCHECK --interval=30s --timeout=3s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"

CMD ["convlens", "serve", "--host", "0.0.0.0", "--port", "8000"]
