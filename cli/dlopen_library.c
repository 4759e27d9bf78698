/* Loading an optional library at first use (see dlopen_library.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "dlopen_library.h"
#include "seoib/exit_codes.h"
#include "seoib/sentence.h"

static int fail(const struct dlopen_library *lib, char err[SEOIB_MESSAGE_MAX], const char *why)
{
	sentence_format(err, SEOIB_MESSAGE_MAX, "cannot load %s, which seoibctl needs %s: %s; install the %s package",
			lib->soname, lib->purpose, why ? why : "unknown dlopen error", lib->package);
	return -1;
}

int dlopen_library_load(struct dlopen_library *lib, char err[SEOIB_MESSAGE_MAX])
{
	void *handle;

	if (lib->handle)
		return 0;
	/* The forwarding functions of the same names are not exported from
	 * seoibctl (no -rdynamic), so the library's calls to its own functions
	 * bind inside it; RTLD_LOCAL keeps its symbols out of the global scope. */
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return fail(lib, err, dlerror());
	for (size_t i = 0; i < lib->n_symbols; i++) {
		void *address = dlsym(handle, lib->symbols[i].name);

		if (!address) {
			fail(lib, err, dlerror());
			dlclose(handle);
			return -1;
		}
		*lib->symbols[i].address = address;
	}
	lib->handle = handle;
	return 0;
}

void dlopen_library_require(struct dlopen_library *lib)
{
	char err[SEOIB_MESSAGE_MAX];

	if (dlopen_library_load(lib, err) == 0)
		return;
	fprintf(stderr, "seoibctl: %s.\n", err);
	exit(SEOIB_EXIT_ERROR);
}
