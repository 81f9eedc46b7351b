mod debian/tuf_native.ini
