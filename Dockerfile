# Build: a static binary with the course and templates built in. Both base
# images are pinned: the Go image by its exact version, the runtime image by
# digest (update with `crane digest gcr.io/distroless/static-debian12:nonroot`).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/dripcourse ./cmd/dripcourse \
 && mkdir -p /out/data && chmod 0700 /out/data

# Run: distroless, no shell, non-root. State lives in the /data volume,
# readable by its owner only: it holds the database and the signing secret.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/dripcourse /dripcourse
COPY --from=build --chown=65532:65532 /out/data /data
ENV DRIP_DATA=/data DRIP_ADDR=:8080
VOLUME /data
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["/dripcourse", "healthcheck"]
ENTRYPOINT ["/dripcourse"]
CMD ["serve"]
