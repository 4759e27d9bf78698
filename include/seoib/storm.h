/* The interrupt-storm recogniser: a bounded window of one vCPU's KVM
 * counters, sampled from outside, and the rule that says whether that vCPU
 * is storming, with the evidence (docs/storm.md has the rule, its reasons
 * and its measured precision). Pure: no I/O, no clock, no allocation.
 *
 * The counters are KVM's per-vCPU statistics (Linux
 * Documentation/virt/kvm/api.rst, "KVM_GET_STATS_FD"; arch/x86/kvm/x86.c,
 * kvm_vcpu_stats_desc[]) as libvirt returns them through
 * virConnectGetAllDomainStats(VIR_DOMAIN_STATS_VCPU): vcpu.N.irq_injections.sum,
 * vcpu.N.halt_exits.sum, vcpu.N.exits.sum, vcpu.N.fpu_reload.sum,
 * vcpu.N.io_exits.sum, vcpu.N.mmio_exits.sum, vcpu.N.signal_exits.sum,
 * vcpu.N.time (the vCPU thread's CPU time, ns) and vcpu.N.delay (the time it
 * was runnable but waited for a host CPU, ns: the second field of
 * /proc/PID/task/TID/schedstat, libvirt 7.10 and later). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/sentence.h"

/* Samples kept per vCPU: at one a second, half a minute of history, which
 * covers STORM_MIN_INTERVALS plus STORM_END_INTERVALS with room to spare. */
#define STORM_WINDOW_MAX 32

/* The rule's constants (docs/storm.md, "The rule"). */
#define STORM_MIN_INJECTIONS_PER_S 50.0 /* below this an interval is calm: noise, not a storm */
#define STORM_MAX_HALTS_PER_INJECTION 0.05 /* a storming vCPU never halts between deliveries */
#define STORM_MIN_RETURNS_PER_INJECTION 0.5 /* each delivery comes back to the VMM (the EOI exit) */
#define STORM_MIN_RUNNABLE 0.5 /* the vCPU thread runs or waits to run, never blocks */
#define STORM_MIN_INTERVALS 5 /* storm-like intervals in a row before it is called a storm */
#define STORM_END_INTERVALS 3 /* calm intervals in a row before a storm is called over */

/* One reading of one vCPU's cumulative counters. t_ns: CLOCK_MONOTONIC when
 * read. have_returns: the kernel exposes fpu_reload (every KVM_RUN that
 * returns to the VMM counts one: kvm_put_guest_fpu() in arch/x86/kvm/x86.c);
 * without it the returns test cannot be made. have_delay: vcpu_delay_ns is
 * known; without it the vCPU's running time alone stands for its runnable
 * time, which a busy host makes look smaller. */
struct storm_sample {
	uint64_t t_ns;
	uint64_t irq_injections;
	uint64_t halt_exits;
	uint64_t exits;
	uint64_t vcpu_time_ns;
	uint64_t fpu_reload;
	uint64_t io_exits;
	uint64_t mmio_exits;
	uint64_t signal_exits;
	uint64_t vcpu_delay_ns;
	bool have_returns;
	bool have_delay;
};

/* A ring of the last STORM_WINDOW_MAX samples of one vCPU. Zero it to
 * start (or use storm_window_reset()). */
struct storm_window {
	struct storm_sample s[STORM_WINDOW_MAX];
	size_t first; /* index of the oldest sample */
	size_t n;     /* samples held, at most STORM_WINDOW_MAX */
	/* The rule's state, carried from interval to interval so that a storm
	 * longer than the window keeps its start. */
	bool storming;
	unsigned stormy_run;  /* storm-like intervals in a row, up to now */
	unsigned calm_run;    /* calm intervals in a row, up to now */
	uint64_t run_start_ns; /* t_ns where the current storm-like run began */
	uint64_t storm_start_ns; /* t_ns where the storm began (storming only) */
};

/* Rates over one interval between two samples (per second of t_ns). */
struct storm_rates {
	double seconds;
	double injections_per_s;
	double halts_per_s;
	double exits_per_s;
	double returns_per_s; /* returns to the VMM not explained by I/O, MMIO or signals; <0: unknown */
	double cpu;           /* vCPU time / wall time: 1.0 is one whole host CPU */
	double runnable;      /* (vCPU time + wait for a CPU) / wall time; cpu when the wait is unknown */
};

/* What storm_judge() found. The rates are the mean over the storm's
 * intervals when storming, else over the last interval. */
struct storm_evidence {
	bool storming;
	bool returns_known; /* false: the returns test was not made (no fpu_reload) */
	double duration_s;  /* how long the storm has lasted (0 when not storming) */
	struct storm_rates rates;
	char summary[SEOIB_MESSAGE_MAX]; /* one sentence: the evidence, or why calm */
};

void storm_window_reset(struct storm_window *w);

/* Add a sample. A sample older than or equal in time to the newest one, or
 * one whose counters went backwards (the vCPU was re-created: the guest was
 * restarted or migrated in), restarts the window with it. */
void storm_window_push(struct storm_window *w, const struct storm_sample *s);

/* The i-th sample, 0 the oldest; NULL past the end. */
const struct storm_sample *storm_window_at(const struct storm_window *w, size_t i);

/* The rates between two samples (b after a). */
void storm_rates_between(const struct storm_sample *a, const struct storm_sample *b, struct storm_rates *out);

/* Is this interval storm-like (the four tests of docs/storm.md)? */
bool storm_interval_stormy(const struct storm_rates *r);

/* Judge the window: a storm begins with STORM_MIN_INTERVALS storm-like
 * intervals in a row and ends with STORM_END_INTERVALS calm ones in a row
 * (fewer calm ones inside a storm do not end it). Always fills *out;
 * returns out->storming. */
bool storm_judge(const struct storm_window *w, struct storm_evidence *out);
