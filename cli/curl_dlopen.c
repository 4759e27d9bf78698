/* libcurl, loaded when the fleet inventory on etcd (lib/fleet/inventory.c)
 * first calls it (see dlopen_library.h): fleet, and check when it looks a
 * destination up in etcd. Linked, it would more than double the start-up
 * time of every seoibctl command (docs/benchmarks.md). */
/* The definitions below must not meet curl's type-checking macros. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "dlopen_library.h"

/* X(return type, name, (parameters), (arguments)); V(...) for a void one. */
#define CURL_FUNCTIONS(X, V)                                                                       \
	X(CURLcode, curl_global_init, (long flags), (flags))                                      \
	X(CURL *, curl_easy_init, (void), ())                                                     \
	V(void, curl_easy_cleanup, (CURL * curl), (curl))                                         \
	V(void, curl_easy_reset, (CURL * curl), (curl))                                           \
	X(CURLcode, curl_easy_perform, (CURL * curl), (curl))                                     \
	X(const char *, curl_easy_strerror, (CURLcode code), (code))                              \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *string), \
	  (list, string))                                                                         \
	V(void, curl_slist_free_all, (struct curl_slist * list), (list))
/* These take variable arguments: forwarded by hand below the table. */
#define CURL_VARIADIC_FUNCTIONS(X) X(CURLcode, curl_easy_setopt, , ) X(CURLcode, curl_easy_getinfo, , )

CURL_FUNCTIONS(DLOPEN_SYMBOL_POINTER, DLOPEN_SYMBOL_POINTER)
CURL_VARIADIC_FUNCTIONS(DLOPEN_SYMBOL_POINTER)
static const struct dlopen_symbol curl_symbols[] = {
	CURL_FUNCTIONS(DLOPEN_SYMBOL_ROW, DLOPEN_SYMBOL_ROW) CURL_VARIADIC_FUNCTIONS(DLOPEN_SYMBOL_ROW)};

static struct dlopen_library libcurl = {
	.soname = "libcurl.so.4",
	.package = "libcurl4",
	.purpose = "to reach etcd",
	.symbols = curl_symbols,
	.n_symbols = sizeof(curl_symbols) / sizeof(curl_symbols[0]),
};

#define FORWARD(type, name, params, args) DLOPEN_FORWARD(libcurl, type, name, params, args)
#define FORWARD_VOID(type, name, params, args) DLOPEN_FORWARD_VOID(libcurl, type, name, params, args)
CURL_FUNCTIONS(FORWARD, FORWARD_VOID)

/* An option's value is one argument whose type the option's number tells,
 * in ranges curl.h defines (CURLOPTTYPE_*), as curl's own setopt reads it. */
CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	dlopen_library_require(&libcurl);
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = sym_curl_easy_setopt(handle, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		rc = sym_curl_easy_setopt(handle, option, va_arg(ap, curl_off_t));
	else /* object, string, list, callback data, function and blob pointers */
		rc = sym_curl_easy_setopt(handle, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	dlopen_library_require(&libcurl);
	va_start(ap, info);
	rc = sym_curl_easy_getinfo(handle, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
