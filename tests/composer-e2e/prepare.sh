# Sourced (bash) from the repository root, in the lab, by
# tests/composer-e2e/run and bench/latency: builds the extension for the
# lab's PHP 8.4 (cargo, own target directory, incremental) and generates
# the signed repository with the pinned python-tuf of target/pyenv (made
# by scripts/test on the host; regenerated only when a generator changes).
# Sets $PHP and $ext; exits 2 outside the lab.
e2e_dir=tests/composer-e2e

[ -x /usr/bin/composer ] && [ -x /usr/bin/php8.4 ] || {
    echo "composer-e2e: run me in the lab: scripts/lab exec $0" >&2
    exit 2
}

# The extension, for this PHP. ext-php-rs picks the PHP from PHP/PHP_CONFIG.
export PHP=/usr/bin/php8.4 PHP_CONFIG=/usr/bin/php-config8.4
export CARGO_TARGET_DIR=$PWD/target/lab/php8.4
echo "== composer-e2e: building tuf_native for $($PHP -r 'echo PHP_VERSION;')"
cargo build -p tuf-native --release --quiet
ext=$CARGO_TARGET_DIR/release/libtuf_native.so

# The repository. target/pyenv is the host's venv (python 3.11): its
# packages are pure Python or abi3, so the lab's python3 runs them, with
# Debian's cffi backend (python3-cffi-backend) for cryptography.
site=$(echo target/pyenv/lib/python3*/site-packages)
[ -d "$site/tuf" ] || {
    echo "composer-e2e: no pinned python-tuf in target/pyenv: run scripts/test (or scripts/lib/setup.sh's ensure_python_venv) on the host first" >&2
    exit 2
}
PYTHONPATH=$PWD/$site python3 $e2e_dir/generate.py target/composer-e2e/repo
