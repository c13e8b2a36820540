FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libreoffice-writer-nogui python3-uno fonts-liberation fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/vanthu
COPY . .
RUN pip install --no-cache-dir .
ENV VANTHU_TEMPLATES_DIR=/srv/vanthu/templates
