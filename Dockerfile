# newsbot in a container: a static binary on distroless, run as a user
# without privileges. The config and the database are volumes:
#
#   docker build -t newsbot .
#   docker run -d --name newsbot \
#     -v /srv/newsbot/config:/etc/newsbot:ro \
#     -v newsbot-data:/var/lib/newsbot \
#     -e SLACK_BOT_TOKEN=xoxb-… -p 127.0.0.1:9090:9090 newsbot
#
# The config's storage must be on the data volume
# (storage: /var/lib/newsbot/newsbot.db) or a postgres:// URL, and its
# http.listen 0.0.0.0:9090 for /metrics, /healthz and /slack/commands to be
# reached from outside the container.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# --build-arg VERSION=1.2.0 names a release; the commit and its time come
# from the repository (.git is in the build context) for newsbot version.
ARG VERSION=
# modernc.org/sqlite is pure Go: no cgo, no libc, one static file.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=auto \
      -ldflags="-s -w ${VERSION:+-X github.com/newsbot/newsbot/app.Version=$VERSION}" \
      -o /out/newsbot . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/newsbot /usr/local/bin/newsbot
# The data folder belongs to the user newsbot runs as (nonroot, 65532).
COPY --from=build --chown=65532:65532 /out/data /var/lib/newsbot
USER 65532:65532
WORKDIR /var/lib/newsbot
VOLUME ["/etc/newsbot", "/var/lib/newsbot"]
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/newsbot"]
CMD ["run", "--config", "/etc/newsbot/config.yaml"]
