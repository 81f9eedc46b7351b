# Runs a command chrooted into a Debian root with this repository inside it,
# for the trixie lab (scripts/lab) and the fresh install roots
# (scripts/lib/fresh-root.sh).
#
#   chroot_run [OPTION...] ROOT REPO CMD...
#
# CMD runs in ROOT with cwd /src/tuf-native, where REPO is bind-mounted, and
# /proc, /dev, /sys and a fresh /tmp. The environment is emptied (HOME=/root,
# TERM=dumb, LANG=C.UTF-8, the standard PATH), so the host's never leaks in.
# Mounts live in a private mount namespace (unshare), so they vanish with
# the command, also when it is killed.
#
#   --shared DIR     DIR at /src/shared (../shared seen from the repository),
#                    when DIR is a directory; skipped otherwise
#   --read-only      the repository and the shared directory read-only
#   --host-rust      the host's ~/.cargo and ~/.rustup at /root, with
#                    /root/.cargo/bin first on PATH
#   --env NAME=VALUE one more variable (after the defaults: it wins over them)
chroot_run() {
    local shared="" ro=no rust=no extra=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --shared) shared=$2; shift 2 ;;
            --read-only) ro=yes; shift ;;
            --host-rust) rust=yes; shift ;;
            --env) extra+=("$2"); shift 2 ;;
            *) break ;;
        esac
    done
    local root=$1 repo=$2
    shift 2
    # DNS for apt and Composer; a root without it still runs local commands.
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" || true
    mkdir -p "$root/src/tuf-native"
    if [ -n "$shared" ] && [ -d "$shared" ]; then
        mkdir -p "$root/src/shared"
    else
        shared=""
    fi
    local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    if [ "$rust" = yes ]; then
        mkdir -p "$root/root/.cargo" "$root/root/.rustup"
        path=/root/.cargo/bin:$path
    fi
    unshare --mount --propagation private -- /bin/bash -euc '
        root=$1 repo=$2 shared=$3 ro=$4 rust=$5; shift 5
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        mount -t tmpfs tmpfs "$root/tmp"
        mount --bind "$repo" "$root/src/tuf-native"
        [ "$ro" = no ] || mount -o remount,bind,ro "$root/src/tuf-native"
        if [ -n "$shared" ]; then
            mount --bind "$shared" "$root/src/shared"
            [ "$ro" = no ] || mount -o remount,bind,ro "$root/src/shared"
        fi
        if [ "$rust" = yes ]; then
            [ ! -d "$HOME/.cargo" ] || mount --bind "$HOME/.cargo" "$root/root/.cargo"
            [ ! -d "$HOME/.rustup" ] || mount --bind "$HOME/.rustup" "$root/root/.rustup"
        fi
        # Everything up to "--" is the environment, the rest the command.
        env=()
        while [ "$1" != -- ]; do env+=("$1"); shift; done
        shift
        exec chroot "$root" /usr/bin/env -i "${env[@]}" \
            /bin/sh -c "cd /src/tuf-native && exec \"\$@\"" sh "$@"
    ' chroot "$root" "$repo" "$shared" "$ro" "$rust" \
        HOME=/root TERM=dumb LANG=C.UTF-8 PATH="$path" ${extra[@]+"${extra[@]}"} -- "$@"
}
