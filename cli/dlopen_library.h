/* Shared libraries seoibctl loads only inside the commands that need them,
 * as systemd does for its optional libraries (src/shared/dlopen helpers):
 * libvirt (65 libraries with its dependencies) and libcurl would otherwise
 * load at every start of seoibctl, including `seoibctl --version` and the
 * libvirt hook, and several times their start-up (docs/benchmarks.md).
 *
 * Each library is one table (cli/libvirt_dlopen.c, cli/curl_dlopen.c):
 * its soname, the Debian package that ships it, and the functions seoibctl
 * calls, each defined there under the library's own name and forwarded to
 * the library's symbol, resolved at first use. A new call into one of these
 * libraries fails to link until its function is added to the table. */
#pragma once

#include <stddef.h>

#include "seoib/kvm_probe.h" /* SEOIB_MESSAGE_MAX */

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

/* The pieces of a library's table, for an X-macro list of its functions
 * whose rows are (return type, name, (parameters), (arguments)):
 * the pointer each resolves into, its row in the symbol table, and the
 * function of the library's name that loads the library and forwards. */
#define DLOPEN_SYMBOL_POINTER(type, name, params, args) static __typeof__(name) *sym_##name;
#define DLOPEN_SYMBOL_ROW(type, name, params, args) {#name, (void **)&sym_##name},
#define DLOPEN_FORWARD(lib, type, name, params, args) \
	type name params                              \
	{                                             \
		dlopen_library_require(&lib);         \
		return sym_##name args;               \
	}
#define DLOPEN_FORWARD_VOID(lib, type, name, params, args) \
	type name params                                   \
	{                                                  \
		dlopen_library_require(&lib);              \
		sym_##name args;                           \
	}
