/* The state a guest will really run in on a host: seoib may prefer one,
 * but QEMU chooses, according to the host's VMM model (seoib/vmm.h):
 * stock QEMU (none) runs every guest quirked; an automatic QEMU picks from
 * the guest's I/O APIC version and the kernel; a property QEMU runs what
 * the guest's XML sets, else the property's default. One owner for that
 * answer, used by the policy engine (hence the hook, `policy`, `apply` and
 * `fleet`) and by the arrival gate (hence `check --dest`). */
#pragma once

#include <stdbool.h>

#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/states.h"

struct run_state {
	enum seoib_state preferred;   /* what seoib would have the guest run */
	bool known;                   /* false: cannot tell; state is meaningless */
	enum seoib_state state;       /* what QEMU will run the guest in */
	bool differs;                 /* known && state != preferred */
	bool from_xml;                /* property model: the guest's XML sets the value */
	/* property model, machine or CPU property: the <qemu:commandline>
	 * argument pair that makes QEMU run `preferred` ("-machine",
	 * "seoib-policy=respected" / "-global", "x86_64-cpu.seoib-policy=..."). */
	bool writable;
	char option[16];
	char value[GUEST_QEMU_ARG_LEN];
	char why[SEOIB_MESSAGE_MAX];  /* how QEMU chooses here, and why it differs */
};

/* Inputs: the guest's facts (its XML, <qemu:commandline> included), the
 * host's record (NULL or not ok: unknown) and seoib's preferred state.
 * Output: *out. Relies on the QEMU seoib-policy RFC v2 (automatic choice
 * from the I/O APIC version, fallback to quirked without the kernel flags,
 * default quirked), QEMU's -machine merging and -global matching by QOM
 * type, and KVM refusing bit 2 without the split irqchip. Pure. */
void run_state_decide(const struct guest_facts *guest, const struct host_record *host,
		      enum seoib_state preferred, struct run_state *out);

/* The facts the guest would have once the argument in rs (rs->writable) is
 * appended to its <qemu:commandline>. Returns 0, or -1 when the guest
 * already has GUEST_QEMU_ARGS_MAX arguments. */
int run_state_with_argument(const struct guest_facts *guest, const struct run_state *rs,
			    struct guest_facts *out);
