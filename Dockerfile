FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY app app
COPY store store
COPY connectors connectors
COPY loyalty loyalty
COPY insights insights
COPY feedback feedback
COPY campaigns campaigns
COPY measure measure
COPY schema schema
COPY sandbox sandbox
COPY migrations migrations
RUN pip install --no-cache-dir . && useradd --create-home rapport
USER rapport
EXPOSE 8000
# DATABASE_URL, REDIS_URL and SECRET_KEY come from the environment.
CMD ["sh", "-c", "rapport migrate && rapport serve --host 0.0.0.0 --port 8000"]
