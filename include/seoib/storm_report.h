/* Which running guests seoibd watches for an interrupt storm, and the
 * report it publishes about them ("seoib.storms/1": the file storms.json
 * beside the host record, the D-Bus property Storms, seoibctl status).
 * docs/storm.md has the rule; docs/seoibd.md the watcher. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/policy.h"
#include "seoib/sentence.h"
#include "seoib/storm.h"

#define STORM_REPORT_SCHEMA "seoib.storms/1"
#define STORM_REPORT_FILE "storms.json"
#define STORM_REPORT_GUESTS_MAX 4096 /* bound on a report read back */
#define STORM_REPORT_MAX (8u << 20)  /* bound on the file read back, bytes */

/* Is a running guest exposed to the storm, so that seoibd watches it?
 * Exposed: a KVM local APIC on a split irqchip (the I/O APIC in QEMU,
 * where a broadcast EOI becomes KVM_EXIT_IOAPIC_EOI: arch/x86/kvm/ioapic.c,
 * kvm_ioapic_send_eoi()), Directed EOI advertised (the state it runs in is
 * not not-advertised), and either quirked (KVM ignores SPIV bit 12), or
 * respected where this host's record has not verified that state
 * (host NULL: no record). A guest whose irqchip or running state cannot be
 * told is watched too: watching costs little, missing a storm much.
 * `state` is STATE_UNKNOWN when it cannot be told. Returns true with the reason in
 * why, or false with why it is not watched. */
bool storm_guest_exposed(const struct guest_facts *facts, enum seoib_state state, const struct host_record *host,
			 char why[SEOIB_MESSAGE_MAX]);

/* One watched guest as reported. */
struct storm_report_guest {
	char name[256];
	char uuid[64];
	char watched_because[SEOIB_MESSAGE_MAX];
	bool storming;
	int vcpu;              /* the storming vCPU with the most injections, -1 when calm */
	double duration_s;
	double injections_per_s;
	double halts_per_s;
	double returns_per_s;  /* <0: not counted */
	double cpu;
	double runnable;
	char evidence[SEOIB_MESSAGE_MAX];    /* storm_evidence.summary */
	char problem[SEOIB_MESSAGE_MAX];     /* why it cannot be watched, "" when it is */
	char reasons[DECISION_REASONS_MAX * SEOIB_MESSAGE_MAX]; /* the decision's reasons, joined: never cut */
	char remediation[SEOIB_MESSAGE_MAX]; /* the decision's remediation, "" when none */
};

/* The report as JSON: {"schema", "watched", "storming", "guests": [...]}. */
json_object *storm_report_to_json(const struct storm_report_guest *g, size_t n);

/* Read a report back (untrusted: a file under /run). Returns 0 with
 * *out (malloc'ed, *n entries), or -1 with a sentence in err. */
int storm_report_from_json(const char *text, size_t len, struct storm_report_guest **out, size_t *n,
			   char err[SEOIB_MESSAGE_MAX]);

/* The report's path beside the record at record_path. */
void storm_report_path(const char *record_path, char *out, size_t size);

/* Prometheus text (node_exporter's textfile collector): seoib_guest_storming
 * and the evidence gauges, one series per watched guest. Malloc'ed. */
char *storm_report_prometheus_text(const struct storm_report_guest *g, size_t n);
