# Make rules of the tuf_native extension (included by config.m4).
#
# cargo decides what to rebuild, so it always runs; the module and its
# libtool-style descriptor (which `make test` reads to load the module) are
# then refreshed in $(phplibdir), where `make install` takes them from.

.PHONY: tuf-native-cargo-build

tuf-native-cargo-build:
	cd "$(srcdir)" && PHP="$(TUF_NATIVE_PHP)" PHP_CONFIG="$(TUF_NATIVE_PHP_CONFIG)" \
		CARGO_TARGET_DIR="$(TUF_NATIVE_TARGET_DIR)" \
		"$(TUF_NATIVE_CARGO)" build --release --locked -p tuf-native

$(phplibdir)/tuf_native.la: tuf-native-cargo-build
	@mkdir -p "$(phplibdir)"
	cp "$(TUF_NATIVE_TARGET_DIR)/release/$(TUF_NATIVE_CDYLIB)" "$(phplibdir)/tuf_native.so"
	printf "# tuf_native.la - built by cargo, not libtool\ndlname='tuf_native.so'\nlibrary_names='tuf_native.so'\n" > "$@"
