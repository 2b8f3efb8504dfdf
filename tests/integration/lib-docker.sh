# Helpers for the Docker runtime's tests. Source after lib.sh.
#   dk_require            skip unless root; fail unless the Docker engine answers (starting
#                         dockerd through scripts/dockerd.sh when its socket does not)
#   dk_busybox_image      imports the busybox-static test image into Docker's local store (once;
#                         later runs find it cached), sets DK_IMAGE and prints it. A dynamic
#                         $EXECD (the ASan build) gets an image that also holds its libraries.
#   dk_containers ID      the containers labelled io.sandboxd.id=ID (any state), one id a line
DK_IMAGE=sandboxd-test/busybox:latest

dk_require() {
    ((EUID == 0)) || skip_all "the Docker runtime's tests need root (dockerd, sandboxd)"
    local out
    out=$(bash "$SFS_ROOT/scripts/dockerd.sh" 2>&1)
    ok $? "the Docker engine answers on /var/run/docker.sock"
    if ! curl -sf --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null; then
        echo "# $out"
        echo "Bail out! no Docker engine (install docker.io: make deps)"
        exit 1
    fi
}

# A root of busybox-static and its applets, as 091 and 022 build one, imported with docker import.
dk_busybox_image() {
    local libs
    libs=$(ldd "$EXECD" 2>/dev/null | grep -o '/[^ ]*')
    [[ -n $libs ]] && DK_IMAGE=sandboxd-test/busybox-libs:$(cat $libs | md5sum | cut -c1-12)
    docker image inspect "$DK_IMAGE" >/dev/null 2>&1 && { echo "$DK_IMAGE"; return 0; }
    local bb root lib
    bb=$(command -v busybox) || return 1
    root=$(mktemp -d /tmp/dk-busybox.XXXXXX)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev"
    for lib in $libs; do mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"; done
    cp "$bb" "$root/bin/busybox" && chroot "$root" /bin/busybox --install -s /bin &&
        tar -C "$root" -c . | docker import - "$DK_IMAGE" >/dev/null
    local rc=$?
    rm -rf "$root"
    ((rc == 0)) && echo "$DK_IMAGE"
}

dk_containers() {
    docker ps -a -q --filter "label=io.sandboxd.id=$1"
}
