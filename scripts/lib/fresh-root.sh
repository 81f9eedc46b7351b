# Fresh Debian roots for install tests, as an operator's machine would be:
# debootstrap --variant=minbase (no compiler, no Rust), unpacked anew from a
# cached pristine tarball for every run, so one test never sees another's
# leftovers and only the first run pays for debootstrap.
#
#   fresh_root SUITE            prints the path of a new root
#   in_fresh ROOT DIR CMD...    runs CMD chrooted in ROOT, with DIR bind-
#                               mounted read-only at /src/tuf-native (cwd)
#                               and DIR/../shared at /src/shared
#   drop_fresh ROOT             deletes it (only roots fresh_root made)

. "$(dirname "${BASH_SOURCE[0]}")/chroot.sh"

FRESH_BASE=${TUF_FRESH_BASE:-/var/lib/tuf-native-lab}
FRESH_MIRROR=${TUF_LAB_MIRROR:-http://deb.debian.org/debian}

# The pristine tarball of SUITE, made once (debootstrap into a scratch
# directory, then tar; the directory is removed so nothing reuses it).
pristine_tarball() {
    local suite=$1 tarball="$FRESH_BASE/pristine-$1.tar"
    if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null 2>&1 || {
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
        }
        local dir="$FRESH_BASE/pristine-$suite.partial"
        rm -rf "$dir"
        mkdir -p "$dir"
        echo "fresh-root: debootstrap --variant=minbase $suite (once; cached in $tarball)" >&2
        debootstrap --variant=minbase "$suite" "$dir" "$FRESH_MIRROR" >"$FRESH_BASE/pristine-$suite.log" 2>&1 \
            || { tail -20 "$FRESH_BASE/pristine-$suite.log" >&2; rm -rf "$dir"; return 1; }
        # Nothing downloaded by debootstrap is needed again.
        rm -f "$dir"/var/cache/apt/archives/*.deb
        tar -C "$dir" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
        rm -rf "$dir"
    fi
    echo "$tarball"
}

fresh_root() {
    local suite=$1 tarball root
    tarball=$(pristine_tarball "$suite") || return 1
    root=$(mktemp -d "$FRESH_BASE/fresh-$suite-XXXXXX")
    tar -C "$root" -xf "$tarball"
    echo "$root"
}

drop_fresh() {
    case "$1" in
        "$FRESH_BASE"/fresh-*) rm -rf --one-file-system "$1" ;;
        *) echo "fresh-root: refusing to delete $1" >&2; return 1 ;;
    esac
}

# Read-only, no toolchain, the standard environment (scripts/lib/chroot.sh).
in_fresh() {
    local root=$1 dir=$2
    shift 2
    # ../shared beside the repository: composer-integration for the
    # Composer test.
    chroot_run --read-only --shared "$dir/../shared" "$root" "$dir" "$@"
}
