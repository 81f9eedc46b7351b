dnl config.m4 of the tuf_native extension, for the PHP way of building:
dnl
dnl     phpize && ./configure && make && make install
dnl
dnl The extension is written in Rust: `make` runs cargo, which builds the
dnl shared object against the PHP that phpize and php-config belong to (ext-
dnl php-rs reads the PHP and PHP_CONFIG environment variables; both are
dnl passed as absolute paths), and copies it to modules/ for `make install`.
dnl Needs cargo and rustc 1.85 or later, and libclang (for bindgen).

PHP_ARG_ENABLE([tuf_native],
  [whether to enable tuf_native (TUF client verification, in Rust)],
  [AS_HELP_STRING([--enable-tuf_native],
    [Build the tuf_native extension (needs cargo; default: yes)])],
  [yes])

PHP_ARG_WITH([tuf-native-cargo],
  [for the cargo to build tuf_native with],
  [AS_HELP_STRING([--with-tuf-native-cargo=PATH],
    [tuf_native: path of cargo (default: cargo on PATH, then ~/.cargo/bin)])],
  [no],
  [no])

if test "$PHP_TUF_NATIVE" != "no"; then
  if test "$ext_shared" != "yes"; then
    AC_MSG_ERROR([tuf_native can only be built as a shared extension (phpize)])
  fi

  dnl cargo: an explicit path, else PATH, else rustup's default location.
  if test "$PHP_TUF_NATIVE_CARGO" != "no"; then
    TUF_NATIVE_CARGO=$PHP_TUF_NATIVE_CARGO
  else
    AC_PATH_PROG([TUF_NATIVE_CARGO], [cargo], [no], [$PATH$PATH_SEPARATOR$HOME/.cargo/bin])
  fi
  if test "$TUF_NATIVE_CARGO" = "no" || ! test -x "$TUF_NATIVE_CARGO"; then
    AC_MSG_ERROR([cargo not found: install Rust (https://rustup.rs) or pass --with-tuf-native-cargo=PATH])
  fi

  dnl Absolute paths of php-config and of the php binary it belongs to:
  dnl the extension must be built for exactly that PHP.
  AC_MSG_CHECKING([for the absolute path of php-config])
  case "$PHP_CONFIG" in
    */*) TUF_NATIVE_PHP_CONFIG=`cd "\`dirname "$PHP_CONFIG"\`" && pwd`/`basename "$PHP_CONFIG"` ;;
    *) TUF_NATIVE_PHP_CONFIG=`command -v "$PHP_CONFIG"` ;;
  esac
  if test -z "$TUF_NATIVE_PHP_CONFIG" || ! test -x "$TUF_NATIVE_PHP_CONFIG"; then
    AC_MSG_ERROR([cannot find php-config ($PHP_CONFIG): use --with-php-config=PATH])
  fi
  AC_MSG_RESULT([$TUF_NATIVE_PHP_CONFIG])

  AC_MSG_CHECKING([for the php binary of that php-config])
  TUF_NATIVE_PHP=`"$TUF_NATIVE_PHP_CONFIG" --php-binary 2>/dev/null`
  case "$TUF_NATIVE_PHP" in
    /*) ;;
    *) TUF_NATIVE_PHP=`command -v "$TUF_NATIVE_PHP"` ;;
  esac
  if test -z "$TUF_NATIVE_PHP" || ! test -x "$TUF_NATIVE_PHP"; then
    AC_MSG_ERROR([php-config names no runnable php binary ($TUF_NATIVE_PHP)])
  fi
  AC_MSG_RESULT([$TUF_NATIVE_PHP])

  dnl What cargo writes: its target directory (CARGO_TARGET_DIR if set when
  dnl configuring) and the platform's name for the cdylib.
  TUF_NATIVE_TARGET_DIR=${CARGO_TARGET_DIR:-$abs_srcdir/target}
  case `uname -s` in
    Darwin) TUF_NATIVE_CDYLIB=libtuf_native.dylib ;;
    *) TUF_NATIVE_CDYLIB=libtuf_native.so ;;
  esac

  PHP_SUBST([TUF_NATIVE_CARGO])
  PHP_SUBST([TUF_NATIVE_PHP])
  PHP_SUBST([TUF_NATIVE_PHP_CONFIG])
  PHP_SUBST([TUF_NATIVE_TARGET_DIR])
  PHP_SUBST([TUF_NATIVE_CDYLIB])

  dnl No C sources: the module is the cargo build's output (see
  dnl Makefile.frag), registered where PHP_NEW_EXTENSION would register it,
  dnl so `make`, `make install` and `make test` find it.
  PHP_MODULES="$PHP_MODULES \$(phplibdir)/tuf_native.la"
  PHP_ADD_BUILD_DIR([modules])
  PHP_ADD_MAKEFILE_FRAGMENT([$abs_srcdir/Makefile.frag], [$abs_srcdir], [$abs_builddir])
fi
