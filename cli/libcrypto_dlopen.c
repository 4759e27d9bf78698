/* OpenSSL's libcrypto, for base64 in etcd's replies (lib/fleet/etcd_reply.c),
 * loaded at first use as libcurl is (see curl_dlopen.c and dlopen_library.h). */
#include <openssl/evp.h>

#include "dlopen_library.h"

/* X(return type, name, (parameters), (arguments)); V(...) for a void one. */
#define LIBCRYPTO_FUNCTIONS(X, V)                                                                         \
	X(int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))            \
	X(EVP_ENCODE_CTX *, EVP_ENCODE_CTX_new, (void), ())                                              \
	V(void, EVP_ENCODE_CTX_free, (EVP_ENCODE_CTX * ctx), (ctx))                                      \
	V(void, EVP_DecodeInit, (EVP_ENCODE_CTX * ctx), (ctx))                                           \
	X(int, EVP_DecodeUpdate, (EVP_ENCODE_CTX * ctx, unsigned char *out, int *outl, const unsigned char *in, int inl), \
	  (ctx, out, outl, in, inl))                                                                     \
	X(int, EVP_DecodeFinal, (EVP_ENCODE_CTX * ctx, unsigned char *out, int *outl), (ctx, out, outl))

LIBCRYPTO_FUNCTIONS(DLOPEN_SYMBOL_POINTER, DLOPEN_SYMBOL_POINTER)
static const struct dlopen_symbol libcrypto_symbols[] = {
	LIBCRYPTO_FUNCTIONS(DLOPEN_SYMBOL_ROW, DLOPEN_SYMBOL_ROW)};

static struct dlopen_library libcrypto = {
	.soname = "libcrypto.so.3",
	.package = "libssl3",
	.purpose = "to read etcd's replies (base64)",
	.symbols = libcrypto_symbols,
	.n_symbols = sizeof(libcrypto_symbols) / sizeof(libcrypto_symbols[0]),
};

#define FORWARD(type, name, params, args) DLOPEN_FORWARD(libcrypto, type, name, params, args)
#define FORWARD_VOID(type, name, params, args) DLOPEN_FORWARD_VOID(libcrypto, type, name, params, args)
LIBCRYPTO_FUNCTIONS(FORWARD, FORWARD_VOID)
