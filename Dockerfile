# streamlens daemons (streamlens-exporter, streamlens-sidecar, streamlens-loadgen) on Debian 12,
# built with the project's CMake build from Debian's packages only.
#
#   docker build -t streamlens .
#   docker run --rm streamlens streamlens-exporter --help
#
# Used by compose.yaml for the exporter, the sidecar and loadgen.

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      prometheus-cpp-dev libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev \
      libsnappy-dev libprotobuf-dev protobuf-compiler libeigen3-dev \
      librdkafka-dev libyaml-cpp-dev libcrypt-dev rapidjson-dev libpcre2-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake ./cmake
COPY common ./common
COPY exporter ./exporter
COPY sidecar ./sidecar
COPY bench ./bench
COPY tests ./tests
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSTREAMLENS_BUILD_TESTS=OFF -DSTREAMLENS_BUILD_BENCH=OFF \
 && cmake --build build -j"$(nproc)" \
      --target streamlens-exporter streamlens-sidecar streamlens-loadgen \
 && strip build/bin/streamlens-*

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcpp-httplib0.11 \
      libssl3 zlib1g libbrotli1 libsnappy1v5 libprotobuf32 librdkafka1 libyaml-cpp0.7 libcrypt1 \
      libpcre2-8-0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/streamlens-exporter /src/build/bin/streamlens-sidecar \
     /src/build/bin/streamlens-loadgen /usr/local/bin/
USER nobody
EXPOSE 9644 9645
ENTRYPOINT []
CMD ["streamlens-exporter", "--help"]
