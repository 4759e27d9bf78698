/* Stable exit codes of seoibctl and the libvirt hook; documented in seoibctl(1).
 * Scripts and libvirt hooks depend on them: never renumber. */
#pragma once

enum seoib_exit {
	SEOIB_EXIT_OK = 0,      /* safe / allowed / probe succeeded */
	SEOIB_EXIT_UNSAFE = 1,  /* unsafe or refused */
	SEOIB_EXIT_ERROR = 2,   /* usage or internal error */
	SEOIB_EXIT_UNKNOWN = 3, /* unknown: KVM unavailable, missing or stale data */
	SEOIB_EXIT_CONTRADICTED = 4, /* probe: KVM works, but its guests contradict its capability bits */
};
