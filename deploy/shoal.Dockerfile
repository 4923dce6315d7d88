# The shoal image: one static binary on an empty base, so it builds with no
# registry. `make images` compiles the binary on the host (CGO_ENABLED=0) and
# stages the build context in _out/ctx/shoal: the binary and a rootfs/ of
# empty directories that a scratch image cannot create with RUN.
FROM scratch

COPY shoal /shoal
# /tmp for os.TempDir, /data for the shared dataset volume and /var/lib/shoal
# for the coordinator's job catalog. Owned by the runtime user, so named
# volumes mounted there start out writable by it (Docker copies the image
# directory's ownership into a new, empty volume).
COPY --chown=65532:65532 rootfs/ /

ENV TMPDIR=/tmp
USER 65532:65532
WORKDIR /data
ENTRYPOINT ["/shoal"]
CMD ["--help"]
