/* Probe this host end to end and derive what the record says. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "build_config.h"
#include "seoib/host_can_run.h"
#include "seoib/monotonic.h"
#include "seoib/host_probe.h"
#include "seoib/sentence.h"

void host_record_derive(struct host_record *rec)
{
	kvm_claims_derive(&rec->kvm, &rec->claims);
	if (rec->behaviour.ran)
		behaviour_derive(&rec->behaviour, &rec->claims);

	else
		behaviour_proofs_derive(&rec->behaviour);
	rec->runnable_states = host_runnable_states(rec);
}

void host_probe(const struct host_probe_options *opts, struct host_record *rec)
{
	uint64_t start = monotonic_usec();

	memset(rec, 0, sizeof(*rec));
	host_identity_read(&rec->host);
	if (opts->boot_id)
		snprintf(rec->host.boot_id, sizeof(rec->host.boot_id), "%s", opts->boot_id);
	snprintf(rec->tool_version, sizeof(rec->tool_version), "%s", SEOIB_VERSION);
	rec->probe_time = (int64_t)time(NULL);

	rec->status = kvm_probe_run(&opts->kvm, &rec->kvm, rec->message);
	kvm_claims_derive(&rec->kvm, &rec->claims);
	if (opts->behaviour && rec->status == PROBE_OK)
		behaviour_run(&opts->behaviour_opts, &rec->kvm, &rec->behaviour);
	if (opts->no_vmm)
		sentence_format(rec->vmm.error, sizeof(rec->vmm.error), "VMM not probed (--no-vmm)");
	else
		vmm_probe(&opts->vmm, &rec->vmm);

	host_record_derive(rec);
	rec->probe_duration_ms = (double)(monotonic_usec() - start) / 1000.0;
}
