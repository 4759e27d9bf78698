/* The contract between the behavioural probe (lib/kvm/behaviour.c) and its tiny
 * real-mode guest (eoi_guest.S): where the guest lives, the vector it takes,
 * the I/O ports it signals on, and what the host passes in registers.
 * Shared by C and assembly, so only #defines outside the C-only part. */
#pragma once

/* Guest memory: one slot at guest-physical 0. The real-mode IVT occupies
 * 0x000-0x3ff, the code is copied to EOI_GUEST_LOAD, the stack grows down
 * from EOI_GUEST_STACK. */
#define EOI_GUEST_MEM_SIZE 0x10000
#define EOI_GUEST_LOAD 0x1000
#define EOI_GUEST_STACK 0xf000

/* The level-triggered vector the host routes through an MSI GSI. Anything in
 * 0x20-0xfe works; 0x50 is far from the exception vectors. */
#define EOI_GUEST_VECTOR 0x50

/* Ports the guest writes to; each `out` is a KVM_EXIT_IO on the host. */
#define EOI_GUEST_PORT_SPIV 0xe0  /* outl: SPIV as read back after writing it */
#define EOI_GUEST_PORT_READY 0xe1 /* outb: x2APIC on, SPIV written; about to sti; hlt */
#define EOI_GUEST_PORT_DONE 0xe2  /* outb: the handler wrote the x2APIC EOI */
#define EOI_GUEST_PORT_FAULT 0xe3 /* outb: the guest took a CPU exception */
/* outb: written right after DONE, so reached only after the host re-entered
 * the vCPU; by then any exit KVM delivers by request (the EOI exit) is out. */
#define EOI_GUEST_PORT_FENCE 0xe4

/* Host -> guest, in registers at entry:
 *   EBX = the value to write to SPIV (MSR 0x80f);
 *   ESI = flags below. */
#define EOI_GUEST_FLAG_SKIP_EOI 0x1 /* test-only fault: never EOI, never signal done */

/* x2APIC MSRs (Intel SDM vol. 3, table 10-6) and IA32_APIC_BASE bits. */
#define EOI_GUEST_MSR_APIC_BASE 0x1b
#define EOI_GUEST_APIC_BASE_EXTD (1 << 10)
#define EOI_GUEST_APIC_BASE_EN (1 << 11)
#define EOI_GUEST_MSR_X2APIC_EOI 0x80b
#define EOI_GUEST_MSR_X2APIC_SPIV 0x80f

#ifndef __ASSEMBLER__
/* The assembled guest, as bytes in the host's .rodata: copy
 * [eoi_guest_start, eoi_guest_end) to EOI_GUEST_LOAD. */
extern const unsigned char eoi_guest_start[];
extern const unsigned char eoi_guest_end[];
#endif
