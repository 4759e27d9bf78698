/* OpenSSL's libcrypto, for base64 in etcd's replies (lib/fleet/etcd_reply.c),
 * loaded at first use as libcurl is (see curl_dlopen.c and dlopen_library.h). */
#include <openssl/evp.h>

#include "dlopen_library.h"

/* X(return type, name, (parameters), (arguments)); V(...) for a void one. */
#define LIBCRYPTO_FUNCTIONS(X, V, H)                                                                                      \
	X(int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))                             \
	X(EVP_ENCODE_CTX *, EVP_ENCODE_CTX_new, (void), ())                                                               \
	V(void, EVP_ENCODE_CTX_free, (EVP_ENCODE_CTX * ctx), (ctx))                                                       \
	V(void, EVP_DecodeInit, (EVP_ENCODE_CTX * ctx), (ctx))                                                            \
	X(int, EVP_DecodeUpdate, (EVP_ENCODE_CTX * ctx, unsigned char *out, int *outl, const unsigned char *in, int inl), \
	  (ctx, out, outl, in, inl))                                                                                      \
	X(int, EVP_DecodeFinal, (EVP_ENCODE_CTX * ctx, unsigned char *out, int *outl), (ctx, out, outl))

DLOPEN_LIBRARY(LIBCRYPTO_FUNCTIONS, "libcrypto.so.3", "libssl3", "to read etcd's replies (base64)")
