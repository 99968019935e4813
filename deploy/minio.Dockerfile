# MinIO for the simulator profile of docker-compose.yml: the same pinned build the tests use
# (src/dev/minio.ts), made from the Go module proxy, since MinIO no longer publishes images on
# Docker Hub. A development store only; production archives go to OBS.
FROM golang:1.26-bookworm AS build
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
RUN GOBIN=/out go install "github.com/minio/minio@${MINIO_VERSION}"

FROM debian:bookworm-slim
COPY --from=build /out/minio /usr/local/bin/minio
RUN useradd --system --home /data minio && mkdir -p /data && chown minio /data
USER minio
VOLUME ["/data"]
ENTRYPOINT ["minio"]
