#ifndef CGW_ZLIB_SHIM_H
#define CGW_ZLIB_SHIM_H

#include <zlib.h>

// inflateInit2 and deflateInit2 are function-like macros, which Swift cannot import.

static inline int cgw_zlib_inflate_init2(z_streamp stream, int window_bits) {
  return inflateInit2(stream, window_bits);
}

static inline int cgw_zlib_deflate_init2(z_streamp stream, int level, int window_bits) {
  return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

#endif
