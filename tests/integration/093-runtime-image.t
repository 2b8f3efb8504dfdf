#!/bin/bash
# Native runtime, local image store: an OCI image layout (made here with umoci from a busybox
# rootfs) is imported with rtctl import and runs; host volumes are bind-mounted (ro and rw).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-runtime.sh"
rt_require
command -v umoci >/dev/null || skip_all "umoci not installed (make deps)"
plan 12
rt_setup
tmp=$(mktemp -d /tmp/rt-image.XXXXXX)
on_exit "rm -rf '$tmp'"
rt_busybox_rootfs "$tmp/rootfs"
echo 'image-marker' >"$tmp/rootfs/etc/marker"
{ umoci init --layout "$tmp/layout" && umoci new --image "$tmp/layout:bb" &&
    umoci unpack --image "$tmp/layout:bb" "$tmp/bundle" && cp -a "$tmp/rootfs/." "$tmp/bundle/rootfs/" &&
    umoci repack --image "$tmp/layout:bb" "$tmp/bundle" &&
    umoci config --image "$tmp/layout:bb" --config.env IMG_VAR=from-image --config.env FOO=image \
        --config.workingdir /etc; } >"$tmp/umoci.log" 2>&1
ok $? "an OCI image layout made with umoci"

rtc import bb:1 "$tmp/layout:bb"
ok $? "rtctl import bb:1 LAYOUT:TAG"
rtc import bb:2 "$tmp/layout" && [[ -f $RT_STATE/images/store/bb%3A2/rootfs/etc/marker ]] && rtc remove-image bb:2
ok $? "a layout with one manifest imports without naming its tag"
err=$(rtc import bb:1 "$tmp/layout:bb" 2>&1)
like "$err" "already in the store" "importing the same name twice is refused"

mkdir -p "$tmp/ro" "$tmp/rw" && echo from-host >"$tmp/ro/file"
id=img-$$
rt_create "$id" --image bb:1 --env FOO=user --volume "$tmp/ro:/mnt/ro:ro" --volume "$tmp/rw:/mnt/rw"
ok $? "create from the imported image with two volumes"
is "$(rt_sh "$RT_ADDR" 'cat /etc/marker')" $'image-marker\nexit=0' "the sandbox runs the imported rootfs"
is "$(rt_sh "$RT_ADDR" 'tr "\0" "\n" < /proc/1/environ | grep -E "^(IMG_VAR|FOO)=" | sort; readlink /proc/1/cwd')" \
    $'FOO=user\nIMG_VAR=from-image\n/etc\nexit=0' "the image's env and working dir apply, the user's env wins"
is "$(rt_sh "$RT_ADDR" 'cat /mnt/ro/file')" $'from-host\nexit=0' "a read-only volume is readable"
like "$(rt_sh "$RT_ADDR" 'echo x > /mnt/ro/new 2>&1; echo y > /mnt/rw/new')" 'exit=0' "writing a volume"
[[ ! -e $tmp/ro/new && "$(cat "$tmp/rw/new")" == y ]]
ok $? "the read-only volume refused the write, the read-write one took it"
like "$(rtc remove-image bb:1 2>&1)" "used by sandbox '$id'" "an image in use cannot be removed"
rtc delete "$id" && rtc remove-image bb:1 && [[ ! -e $RT_STATE/images/store/bb%3A1 ]]
ok $? "delete and remove-image"
