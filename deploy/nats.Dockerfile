# The NATS server image: the nats-server binary pinned as a module tool in
# go.mod, built static on the host by `make images`. The context
# (_out/ctx/nats) holds the binary and rootfs/ with an empty /data owned by
# the runtime user, where JetStream keeps its store (-sd /data/js).
FROM scratch

COPY nats-server /nats-server
COPY --chown=65532:65532 rootfs/ /

USER 65532:65532
EXPOSE 4222
ENTRYPOINT ["/nats-server"]
# JetStream on, listening on every interface of the container: the port is
# reachable on the compose network only unless someone publishes it.
CMD ["-js", "-sd", "/data/js", "-p", "4222", "-a", "0.0.0.0"]
