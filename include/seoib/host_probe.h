/* Probe this host end to end (lib/record/host_probe.c): identity, the KVM
 * capability probe, the behavioural probe, the VMM, and what they mean. */
#pragma once

#include <stdbool.h>

#include "seoib/behaviour.h"
#include "seoib/host_record.h"
#include "seoib/kvm_probe.h"
#include "seoib/vmm.h"

struct host_probe_options {
	struct kvm_probe_options kvm;
	bool behaviour;            /* run the behavioural probe */
	bool no_vmm;               /* do not ask the VMM (its section says so) */
	struct behaviour_options behaviour_opts;
	struct vmm_options vmm;
	/* The boot ID to record (host.boot_id), in the form
	 * /proc/sys/kernel/random/boot_id has (a lowercase UUID); NULL: read
	 * that file. seoibd passes its service manager's (seoibd --boot-id=%b):
	 * a sandbox with a procfs of its own (ProtectProc=, ProtectKernelTunables=
	 * in systemd 252) shows the host kernel's boot ID, not a container's,
	 * which systemd-nspawn puts there with a bind mount (docs/seoibd.md). */
	const char *boot_id;
};

/* Probe this host into rec: identity, KVM (kvm_probe_run()), behaviour
 * (behaviour_run(), when opts->behaviour), the VMM (vmm_probe(), unless
 * opts->no_vmm), then host_record_derive(). Never fails: what could not be
 * measured is recorded as such, with rec->status and rec->message saying why;
 * rec->probe_duration_ms is the wall time, in milliseconds. */
void host_probe(const struct host_probe_options *opts, struct host_record *rec);

/* Pure: derive rec's claims (kvm_claims_derive()), behaviour verdicts and
 * runnable_states from its measurements. No errors. */
void host_record_derive(struct host_record *rec);
