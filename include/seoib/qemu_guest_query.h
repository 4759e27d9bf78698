/* Guest facts from QEMU's own answer (docs/vmm.md, "Asking the guest's
 * QEMU"): start the binary named in the guest's <emulator> with only the
 * options that shape its machine, frozen (-S, no vCPU ever runs), and ask it
 * over QMP which I/O APIC it created, its version and whether the first
 * vCPU has x2APIC; or read the same answer from the VMM cache.
 *
 * The question and its answer are this unit's (lib/vmm/qemu_guest_query.c):
 * what is asked, the asking and the cache. Reading the question from a
 * domain XML (seoib/qemu_question.h) and applying the answer to the XML's
 * facts (seoib/guest_facts_qemu.h) are lib/guest/'s, above it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "seoib/sentence.h"

#define QEMU_QUESTION_ARGS_MAX 48
#define QEMU_QUESTION_ARG_LEN 512
#define QEMU_EMULATOR_PATH_MAX 4096

struct qemu_question {
	char emulator[QEMU_EMULATOR_PATH_MAX]; /* <devices><emulator>; "" when the XML names none */
	bool kvm;                 /* <domain type='kvm'>; false for type='qemu' (TCG) */
	char machine[128];        /* the machine type named, "" for QEMU's default */
	/* The options that shape the machine, in the order libvirt would pass
	 * them (its own first, then <qemu:commandline>'s): -machine, -cpu, -smp,
	 * -global, -device intel-iommu / amd-iommu. Never an -accel, a disk, a
	 * host device, memory or a backend. */
	int argc;
	char argv[QEMU_QUESTION_ARGS_MAX][QEMU_QUESTION_ARG_LEN];
	/* argv is pairs, OPTION VALUE (see qemu_question_option_used()). */
	/* Why QEMU cannot be asked faithfully ("" when it can): no <emulator>,
	 * a domain type other than kvm/qemu, an option seoib cannot pass
	 * without the guest's objects (<launchSecurity>), too many options. */
	char cannot_ask[SEOIB_MESSAGE_MAX];
};

/* Is OPTION's pair passed to a KVM (kvm) or TCG question? A TCG question
 * of a KVM guest tells only the machine type and its I/O APIC version: it
 * keeps -machine and -global, and leaves out -cpu (`host` needs KVM, TCG
 * cannot tell x2APIC), -smp and the IOMMU (eim=on needs KVM), whose
 * refusals under TCG would not be the guest's. */
bool qemu_question_option_used(const char *option, bool kvm);

/* The whole argument vector as one string (for messages and the cache
 * key): the arguments joined by spaces. */
void qemu_question_string(const struct qemu_question *q, bool kvm, char *buf, size_t size);

enum qemu_answer_status {
	QEMU_ANSWER_NOT_ASKED, /* cannot ask, or cache only and nothing cached: why says */
	QEMU_ANSWER_FAILED,    /* QEMU did not answer (missing, timeout, not QMP): why says */
	QEMU_ANSWER_REFUSED,   /* QEMU refused the configuration: refusal is its own sentence */
	QEMU_ANSWER_ANSWERED,
};

struct qemu_guest_answer {
	enum qemu_answer_status status;
	char emulator[QEMU_EMULATOR_PATH_MAX];
	char version[64];          /* "7.2.22" */
	bool kvm;                  /* asked with -accel kvm; false: TCG */
	bool from_cache;
	char machine[64];          /* the machine QEMU built: "pc-q35-7.2" */
	/* ANSWERED: */
	bool irqchip_known;        /* KVM only: which local APIC / I/O APIC QEMU created */
	bool irqchip_split;        /* kvm-apic + ioapic */
	bool irqchip_in_kernel;    /* kvm-apic + kvm-ioapic */
	bool lapic_userspace;      /* apic: kernel-irqchip=off (or TCG) */
	unsigned ioapic_version;   /* 0x11 or 0x20; 0 when QEMU did not say */
	int x2apic;                /* the first vCPU's x2apic: 1, 0, -1 not told (TCG) */
	char refusal[SEOIB_MESSAGE_MAX]; /* REFUSED: QEMU's first error line on stderr */
	char why[SEOIB_MESSAGE_MAX];     /* NOT_ASKED / FAILED */
	char source[SEOIB_MESSAGE_MAX];  /* "QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 (KVM)" */
	char cache_note[SEOIB_MESSAGE_MAX];
};

struct qemu_guest_query_options {
	const char *cache_dir;  /* NULL = no cache (vmm_default_cache_dir()) */
	unsigned timeout_ms;    /* bound on one QEMU run; 0 = 3000 ms */
	const char *kvm_device; /* NULL = /dev/kvm: ask with KVM when it opens read-write */
	bool cache_only;        /* never start QEMU: an uncached question is NOT_ASKED */
};

/* Answer q: from the cache when an entry for this binary's identity (path,
 * device, inode, size, mtime, ctime), these options, the accelerator and
 * this kernel release is there (same rules as the VMM cache, vmm.h), else by
 * starting the emulator:
 *   EMULATOR -machine … -accel kvm|tcg [-cpu …] … -display none -nodefaults
 *            -no-user-config -S -qmp stdio
 * bounded by opts->timeout_ms, killed after. KVM when the guest is a KVM
 * guest and opts->kvm_device opens read-write, else TCG, which tells only
 * the machine type and the I/O APIC version. Answers and refusals are
 * cached; failures are not. Never fails hard. Sources: QEMU hw/i386/x86.c
 * (x86_machine_is_..., ioapic_init_gsi: "kvm-ioapic" with the in-kernel
 * irqchip, "ioapic" otherwise), hw/i386/kvm/apic.c ("kvm-apic"),
 * target/i386/cpu.c (x2apic property), qom/qom-qmp-cmds.c (qom-get). */
void qemu_guest_ask(const struct qemu_question *q, const struct qemu_guest_query_options *opts,
		    struct qemu_guest_answer *a);

/* One guest-query cache entry's text (len bytes; a file under the cache
 * directory, hostile like every input) read against question q asked under
 * a->kvm: true only when it is a JSON object of schema
 * seoib.guest-query-cache/1 whose every field has its type and range and
 * whose question, accelerator and kernel release are q's, a->kvm's and this
 * kernel's; then a holds its answer. The binary's identity (path, device,
 * inode, size, mtime, ctime) is qemu_guest_ask()'s to check. Pure but for
 * uname(2); the fuzz target fuzz/fuzz_guest_query_cache.c calls it. */
bool qemu_guest_cache_entry_parse(const char *text, size_t len, const struct qemu_question *q,
				  struct qemu_guest_answer *a);
