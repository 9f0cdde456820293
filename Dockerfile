# Build: a static binary with the course and templates built in.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dripcourse ./cmd/dripcourse \
 && mkdir -p /out/data

# Run: distroless, no shell, non-root. State lives in the /data volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dripcourse /dripcourse
COPY --from=build --chown=65532:65532 /out/data /data
ENV DRIP_DATA=/data DRIP_ADDR=:8080
VOLUME /data
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["/dripcourse", "healthcheck"]
ENTRYPOINT ["/dripcourse"]
CMD ["serve"]
