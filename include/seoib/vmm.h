/* The VMM (QEMU) side: can this host's QEMU set a guest's Directed EOI state?
 * Answered from QMP qom-list-properties without /dev/kvm and without a guest,
 * and cached on the binary's identity as libvirt caches QEMU capabilities. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "seoib/sentence.h"

struct json_object;
struct json_reader;

#define VMM_CONTROLS_MAX 8
#define VMM_NAME_MAX 128
/* QEMU 7.2 lists 59 x86 machine types, Ubuntu's and RHEL's builds add
 * their own; a QEMU type name is a few dozen characters. */
#define VMM_MACHINE_TYPES_MAX 192
#define VMM_MACHINE_NAME_MAX 48

/* How this host's QEMU chooses a guest's Directed EOI state (docs/vmm.md,
 * "VMM models"), after the QEMU seoib-policy RFC v2:
 *   none:      stock QEMU sets no x2APIC flag: every guest runs quirked;
 *   automatic: QEMU picks respected / not-advertised from the guest's I/O
 *              APIC version (0x20 / 0x11) when the kernel has the flag, else
 *              quirked (the RFC's current code), and migrates it as vmstate;
 *   property:  a named QOM property sets it, else its default applies (the
 *              RFC's preferred direction, an accelerator property). */
enum vmm_model {
	VMM_MODEL_NONE,
	VMM_MODEL_AUTOMATIC,
	VMM_MODEL_PROPERTY,
	VMM_MODEL_COUNT,
};

/* Where a property control lives decides whether libvirt XML can set it:
 * a machine property through a -machine in <qemu:commandline> (merged into
 * libvirt's own), a CPU property through -global; an accelerator property
 * never (QEMU uses only the first -accel, which libvirt writes). */
enum vmm_location {
	VMM_LOCATION_ACCEL,
	VMM_LOCATION_MACHINE,
	VMM_LOCATION_CPU,
	VMM_LOCATION_COUNT,
};

/* The control of a property-model VMM, from qom-list-properties. */
struct vmm_property {
	char qom_type[VMM_NAME_MAX];  /* "kvm-accel", "pc-q35-11.0-machine", "x86_64-cpu" */
	char name[VMM_NAME_MAX];      /* "seoib-policy" */
	enum vmm_location location;
	char value_type[64];          /* QOM type of the value: "string", "SeoibPolicy" */
	char default_value[32];       /* "default-value" as QEMU reports it, "" if none */
};

struct vmm_info {
	char path[4096];
	bool found;              /* the binary exists and answered QMP */
	char version[64];        /* "7.2.22" from query-version */
	/* Where a control was found: "kvm-accel.seoib-policy" */
	int n_controls;
	char controls[VMM_CONTROLS_MAX][VMM_NAME_MAX];
	bool can_set_state;      /* n_controls > 0 */
	bool from_cache;
	enum vmm_model model;
	bool model_configured;   /* model comes from vmm-model= in seoib.conf */
	struct vmm_property property; /* meaningful when model == VMM_MODEL_PROPERTY */
	/* Identity the cache is keyed on */
	long long size;
	long long mtime_ns;
	long long ctime_ns;            /* set by the kernel on any change; cannot be set back */
	unsigned long long dev, ino;
	/* The machine types the binary can run (QMP query-machines: names and
	 * aliases), in QEMU's order; empty when not found or from an older
	 * record (then nothing is known about them). */
	int n_machine_types;
	char machine_types[VMM_MACHINE_TYPES_MAX][VMM_MACHINE_NAME_MAX];
	char error[SEOIB_MESSAGE_MAX]; /* sentence when !found, else "" */
	/* Why the cache was not used or updated ("" when it was, or when there
	 * was simply no entry yet): the probe still answers, by asking QEMU. */
	char cache_note[SEOIB_MESSAGE_MAX];
};

struct vmm_options {
	const char *path;              /* default /usr/bin/qemu-system-x86_64 */
	const char *const *control_names; /* NULL-terminated; default {"seoib-policy", NULL} */
	const char *cache_dir;         /* NULL = no cache */
	unsigned timeout_ms;           /* bound on the QMP conversation; 0 = default */
	bool override_model;           /* vmm-model= in seoib.conf names one: */
	enum vmm_model model;          /* ... this one, not what the probe found */
};

/* Fill info; never fails hard: a missing or broken QEMU is a recorded fact.
 * opts->cache_dir is used only when it passes the ownership rule of every
 * trusted path, trusted_path_open_dir() (created 0755 if missing), and an
 * entry only when it is a regular file the same rule trusts, writable by
 * its owner alone, at most 16 KiB, matching the binary's identity (path, st_dev,
 * st_ino, size, mtime, ctime) and naming no control whose property name the
 * binary lacks. Otherwise QEMU is asked and info->cache_note says why. */
void vmm_probe(const struct vmm_options *opts, struct vmm_info *info);

/* The VMM cache entry in text (len bytes, read from a cache file: hostile,
 * as anyone who could write it may have): true when it is JSON of schema
 * seoib.vmm-cache/4 whose identity (path, size, mtime_ns, ctime_ns, dev,
 * ino) is info's and whose control_names are names (NULL-terminated); then
 * info's version, machine types, controls (at most VMM_CONTROLS_MAX, each shorter than
 * VMM_NAME_MAX) and property type and default are filled from it. False,
 * with info's version and controls left empty, for anything else. Pure:
 * vmm_probe() checks the file's owner and the binary itself around it.
 * Fuzzed: fuzz/fuzz_vmm_cache.c. */
bool vmm_cache_entry_parse(const char *text, size_t len, const char *const *names, struct vmm_info *info);
/* A plain QEMU machine-type name: 1 to VMM_MACHINE_NAME_MAX - 1 of
 * [A-Za-z0-9._-]. */
bool vmm_machine_type_name_valid(const char *name);
/* Is machine (a type name or alias, exact) in info's machine types? */
bool vmm_has_machine_type(const struct vmm_info *info, const char *machine);

/* Where seoibctl keeps the VMM cache: SEOIB_CACHEDIR when writable, else
 * $XDG_CACHE_HOME/seoib, else ~/.cache/seoib. Returns buf, or NULL when
 * none can be named (then run without a cache). */
const char *vmm_default_cache_dir(char buf[], size_t size);

const char *vmm_model_to_string(enum vmm_model m);
int vmm_model_from_string(const char *s); /* -1 if unknown */
const char *vmm_location_to_string(enum vmm_location l);
int vmm_location_from_string(const char *s); /* -1 if unknown */
/* Where a QOM type sits: kvm-accel (and every *-accel) is an accelerator,
 * *-machine a machine, anything else found by the probe a CPU type. */
enum vmm_location vmm_location_of_type(const char *qom_type);

/* Derive info->model from what the probe found and opts' override:
 * a control property makes it `property` (the first control found), no
 * control `none`; vmm-model = automatic or none wins over the probe, because
 * an RFC-style automatic QEMU has no property to tell it from stock QEMU.
 * vmm-model = property without a found control stays `none` and says why in
 * info->error. Pure. */
void vmm_model_derive(const struct vmm_options *opts, struct vmm_info *info);

/* Can this VMM run a guest in a state other than quirked (start it in one,
 * or receive one by migration)? False for the none model and for a QEMU that
 * was not found. */
bool vmm_sets_flags(const struct vmm_info *info);

/* A machine or CPU property can be set from libvirt XML (<qemu:commandline>);
 * an accelerator property cannot (docs/background.md: a second -accel is unused). */
bool vmm_property_settable_from_xml(const struct vmm_property *p);

/* The host record's vmm.model, vmm.model_configured and vmm.property
 * (docs/host-record.md), added to / read from the vmm object. A record
 * without vmm.model (older writers) gets the model derived from its
 * controls. Reading returns 0, or -1 with r->err set. */
void vmm_model_add_json(struct json_object *vmm, const struct vmm_info *info);
int vmm_model_read_json(struct json_reader *r, struct json_object *vmm, struct vmm_info *info);
