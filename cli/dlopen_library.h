/* Shared libraries seoibctl loads only inside the commands that need them,
 * as systemd does for its optional libraries (src/shared/dlopen helpers).
 * Linked, libvirt (65 libraries with its dependencies) and libcurl would load
 * at every start of seoibctl, `--version` and the libvirt hook included, and
 * make it about 3 and 2.4 times as long (docs/benchmarks.md).
 *
 * Each library is one file (cli/libvirt_dlopen.c, cli/curl_dlopen.c,
 * cli/libcrypto_dlopen.c) with one table, DLOPEN_LIBRARY() below: its
 * soname, the Debian package that ships it, and the functions seoibctl
 * calls, each defined there under the library's own name and forwarded to
 * the library's symbol, resolved at first use. A new call into one of these
 * libraries fails to link until its function is added to the table. */
#pragma once

#include <stddef.h>

#include "seoib/sentence.h" /* SEOIB_MESSAGE_MAX */

struct dlopen_symbol {
	const char *name;
	void **address; /* where the resolved function pointer goes */
};

struct dlopen_library {
	const char *soname;  /* e.g. "libvirt.so.0" */
	const char *package; /* the Debian package that ships it */
	const char *purpose; /* "to talk to libvirt" */
	const struct dlopen_symbol *symbols;
	size_t n_symbols;
	void *handle; /* NULL until loaded */
};

/* Load lib and resolve all its symbols (once; later calls return 0).
 * Returns 0, or -1 with a sentence in err naming the library, what failed
 * (dlerror()) and the package to install; lib stays unloaded then. */
int dlopen_library_load(struct dlopen_library *lib, char err[SEOIB_MESSAGE_MAX]);

/* dlopen_library_load() for the forwarding functions, which cannot return
 * a sentence through the library's own API: on failure prints the sentence
 * on stderr and exits with SEOIB_EXIT_ERROR (2), as a missing program would. */
void dlopen_library_require(struct dlopen_library *lib);

/* A library's file: an X-macro list FUNCTIONS(X, V, H) of the functions
 * seoibctl calls, one row each, (return type, name, (parameters),
 * (arguments)): X for one that returns a value, V for a void one, H for one
 * forwarded by hand (variable arguments) with empty parameters and
 * arguments. DLOPEN_LIBRARY() then defines, from that list, a pointer a
 * function (sym_NAME), the symbol table, `library` (the file's one struct
 * dlopen_library) and the forwarding functions for the X and V rows. */
#define DLOPEN_LIBRARY(FUNCTIONS, soname_, package_, purpose_)                         \
	FUNCTIONS(DLOPEN_SYMBOL_POINTER, DLOPEN_SYMBOL_POINTER, DLOPEN_SYMBOL_POINTER) \
	static const struct dlopen_symbol library_symbols[] = {                        \
		FUNCTIONS(DLOPEN_SYMBOL_ROW, DLOPEN_SYMBOL_ROW, DLOPEN_SYMBOL_ROW)};   \
	static struct dlopen_library library = {                                       \
		.soname = soname_,                                                     \
		.package = package_,                                                   \
		.purpose = purpose_,                                                   \
		.symbols = library_symbols,                                            \
		.n_symbols = sizeof(library_symbols) / sizeof(library_symbols[0]),     \
	};                                                                             \
	FUNCTIONS(DLOPEN_FORWARD, DLOPEN_FORWARD_VOID, DLOPEN_BY_HAND)

#define DLOPEN_SYMBOL_POINTER(type, name, params, args) static __typeof__(name) *sym_##name;
#define DLOPEN_SYMBOL_ROW(type, name, params, args) {#name, (void **)&sym_##name},
#define DLOPEN_FORWARD(type, name, params, args)  \
	type name params                          \
	{                                         \
		dlopen_library_require(&library); \
		return sym_##name args;           \
	}
#define DLOPEN_FORWARD_VOID(type, name, params, args) \
	type name params                              \
	{                                             \
		dlopen_library_require(&library);     \
		sym_##name args;                      \
	}
#define DLOPEN_BY_HAND(type, name, params, args)
