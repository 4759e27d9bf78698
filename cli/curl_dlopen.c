/* libcurl, loaded when the fleet inventory on etcd (lib/fleet/inventory.c)
 * first calls it (see dlopen_library.h): fleet, and check when it looks a
 * destination up in etcd. Linked, it would more than double the start-up
 * time of every seoibctl command (docs/benchmarks.md). */
/* The definitions below must not meet curl's type-checking macros. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "dlopen_library.h"

/* X(return type, name, (parameters), (arguments)); V(...) for a void one;
 * H for one that takes variable arguments, forwarded by hand below. */
#define CURL_FUNCTIONS(X, V, H)                                                                   \
	X(CURLcode, curl_global_init, (long flags), (flags))                                      \
	X(CURL *, curl_easy_init, (void), ())                                                     \
	V(void, curl_easy_cleanup, (CURL * curl), (curl))                                         \
	V(void, curl_easy_reset, (CURL * curl), (curl))                                           \
	X(CURLcode, curl_easy_perform, (CURL * curl), (curl))                                     \
	X(const char *, curl_easy_strerror, (CURLcode code), (code))                              \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *string), \
	  (list, string))                                                                         \
	V(void, curl_slist_free_all, (struct curl_slist * list), (list))                          \
	H(CURLcode, curl_easy_setopt, , )                                                         \
	H(CURLcode, curl_easy_getinfo, , )

DLOPEN_LIBRARY(CURL_FUNCTIONS, "libcurl.so.4", "libcurl4", "to reach etcd")

/* An option's value is one argument whose type the option's number tells,
 * in ranges curl.h defines (CURLOPTTYPE_*), as curl's own setopt reads it. */
CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	dlopen_library_require(&library);
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

	dlopen_library_require(&library);
	va_start(ap, info);
	rc = sym_curl_easy_getinfo(handle, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
