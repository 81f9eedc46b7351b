# Shared set-up steps for scripts/test and scripts/sample. Each step is
# idempotent and cheap when already done.

# apt-get install, once per run, only for packages that are missing.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust (rustup)" >&2; return 1; }
    mkdir -p target
}

# A virtualenv with the pinned python-tuf, under target/.
PYENV_DIR=target/pyenv
ensure_python_venv() {
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        apt_install python3 python3-venv
    fi
    local req=tests/fixtures/requirements.txt stamp="$PYENV_DIR/.requirements"
    if [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
        return 0
    fi
    rm -rf "$PYENV_DIR"
    python3 -m venv "$PYENV_DIR"
    "$PYENV_DIR/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
}

# Fixtures are regenerated only when the generator or its pins change.
FIXTURES_DIR=target/fixtures
generate_fixtures() {
    local want
    want=$(cat tests/fixtures/generate.py tests/fixtures/requirements.txt | sha256sum | cut -d' ' -f1)
    if [ -f "$FIXTURES_DIR/VERSION" ] && [ "$(cat "$FIXTURES_DIR/VERSION")" = "$want" ]; then
        return 0
    fi
    echo "== generating fixtures with python-tuf"
    "$PYENV_DIR/bin/python" tests/fixtures/generate.py "$FIXTURES_DIR"
}

# Prints one closing line with the totals of all cargo test binaries.
summarise_cargo_test() {
    awk '/^test result:/ { p += $4; f += $6; i += $8 }
         END { printf "cargo test: %d passed, %d failed, %d ignored\n", p, f, i; exit (f > 0) }' "$1"
}

# PHP 8.2 with headers (the extension builds against them), clang for
# ext-php-rs's bindgen, and Debian's phpunit 9.6 and Guzzle PSR-7/promises
# for the PHP suites.
ensure_php() {
    apt_install php8.2-cli php8.2-dev php8.2-xml php8.2-mbstring clang libclang-dev \
        phpunit php-guzzlehttp-psr7 php-guzzlehttp-promises
}
