/* The contract between the behavioural probe (lib/kvm/behaviour.c) and its
 * EOI payload (eoi_payload.S): the few real-mode instructions the probe's
 * vCPU runs, what the KVM selftests call the guest code. "Payload", not
 * "guest": in seoib a guest is a libvirt domain (docs/layout.md, "Words").
 * Here: where the payload lives, the vector it takes, the I/O ports it
 * signals on (the selftests' ucalls), and what the host passes in
 * registers. Shared by C and assembly, so only #defines outside the C-only
 * part. */
#pragma once

/* The VM's memory: one slot at guest-physical 0. The real-mode IVT occupies
 * 0x000-0x3ff, the code is copied to EOI_PAYLOAD_LOAD, the stack grows down
 * from EOI_PAYLOAD_STACK. */
#define EOI_PAYLOAD_MEM_SIZE 0x10000
#define EOI_PAYLOAD_LOAD 0x1000
#define EOI_PAYLOAD_STACK 0xf000

/* The level-triggered vector the host routes through an MSI GSI. Anything in
 * 0x20-0xfe works; 0x50 is far from the exception vectors. */
#define EOI_PAYLOAD_VECTOR 0x50

/* Ports the payload writes to; each `out` is a KVM_EXIT_IO on the host. */
#define EOI_PAYLOAD_PORT_SPIV 0xe0  /* outl: SPIV as read back after writing it */
#define EOI_PAYLOAD_PORT_READY 0xe1 /* outb: x2APIC on, SPIV written; about to sti; hlt */
#define EOI_PAYLOAD_PORT_DONE 0xe2  /* outb: the handler wrote the x2APIC EOI */
#define EOI_PAYLOAD_PORT_FAULT 0xe3 /* outb: the payload took a CPU exception */
/* outb: written right after DONE, so reached only after the host re-entered
 * the vCPU; by then any exit KVM delivers by request (the EOI exit) is out. */
#define EOI_PAYLOAD_PORT_FENCE 0xe4

/* Host -> payload, in registers at entry:
 *   EBX = the value to write to SPIV (MSR 0x80f);
 *   ESI = flags below. */
#define EOI_PAYLOAD_FLAG_SKIP_EOI 0x1 /* test-only fault: never EOI, never signal done */

/* x2APIC MSRs (Intel SDM vol. 3, table 10-6) and IA32_APIC_BASE bits. */
#define EOI_PAYLOAD_MSR_APIC_BASE 0x1b
#define EOI_PAYLOAD_APIC_BASE_EXTD (1 << 10)
#define EOI_PAYLOAD_APIC_BASE_EN (1 << 11)
#define EOI_PAYLOAD_MSR_X2APIC_EOI 0x80b
#define EOI_PAYLOAD_MSR_X2APIC_SPIV 0x80f

#ifndef __ASSEMBLER__
/* The assembled payload, as bytes in the host's .rodata: copy
 * [eoi_payload_start, eoi_payload_end) to EOI_PAYLOAD_LOAD. */
extern const unsigned char eoi_payload_start[];
extern const unsigned char eoi_payload_end[];
#endif
