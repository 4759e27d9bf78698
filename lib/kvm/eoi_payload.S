/* The behavioural probe's EOI payload: 16-bit real-mode code that asks (or not)
 * for Suppress EOI Broadcast and EOIs one level-triggered interrupt
 * (docs/background.md section 2).
 *
 * It is assembled into the host's .rodata, never executed by the host: the
 * host copies [eoi_payload_start, eoi_payload_end) to guest-physical
 * EOI_PAYLOAD_LOAD and starts a vCPU there with CS = DS = ES = SS = 0. Every
 * address below is EOI_PAYLOAD_LOAD + (label - eoi_payload_start), a constant
 * the assembler resolves, so no linker script, objcopy or blob is needed.
 *
 * Sequence (the host's view in brackets):
 *   1. point the exception vectors 0-31 at `fault` and EOI_PAYLOAD_VECTOR at
 *      `handler` in the real-mode IVT at address 0;
 *   2. IA32_APIC_BASE |= EN | EXTD: x2APIC mode, so SPIV and EOI are MSRs;
 *   3. SPIV := EBX (0x1ff, plus bit 12 when the host wants the payload to ask
 *      for Suppress EOI Broadcast); read it back: KVM drops bit 12 when the
 *      LVR does not advertise Directed EOI;
 *   4. outl SPIV read back [recorded], outb READY [host installs the MSI
 *      route and pulses the line], then sti; hlt;
 *   5. handler: EOI through MSR 0x80b [KVM_EXIT_IOAPIC_EOI, or none when the
 *      broadcast is suppressed], outb DONE, outb FENCE [host stops].
 *
 * Why the fence: KVM delivers the EOI exit by a vCPU request
 * (KVM_REQ_IOAPIC_EOI_EXIT), which vcpu_enter_guest() turns into
 * KVM_EXIT_IOAPIC_EOI only at the next entry. Some hosts make that entry
 * before the DONE write, others only after userspace has handled DONE and
 * called KVM_RUN again, so DONE can come before the EOI exit. The FENCE
 * write is the instruction after DONE: the payload reaches it only through
 * a fresh entry, and every entry processes pending requests first, so by
 * the FENCE exit any EOI exit has been delivered.
 */
#include "eoi_payload.h"

#define PAYLOAD_ADDR(label) (EOI_PAYLOAD_LOAD + (label) - eoi_payload_start)

	.section .rodata.seoib_eoi_payload, "a"
	.code16
	.globl eoi_payload_start
	.globl eoi_payload_end

eoi_payload_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$EOI_PAYLOAD_STACK, %sp

	/* 1. IVT: each entry is offset:segment (segment 0). A stray exception
	 * (e.g. #GP from an MSR KVM refuses) reports itself instead of jumping
	 * through a zero vector into the IVT. */
	xorw	%di, %di
	movw	$32, %cx
set_exception_vector:
	movw	$PAYLOAD_ADDR(fault), (%di)
	movw	$0, 2(%di)
	addw	$4, %di
	loop	set_exception_vector
	movw	$PAYLOAD_ADDR(handler), EOI_PAYLOAD_VECTOR * 4
	movw	$0, EOI_PAYLOAD_VECTOR * 4 + 2

	/* 2. x2APIC on. The vCPU resets with the APIC enabled in xAPIC mode
	 * (EN set), so EN|EXTD is a legal transition; it needs x2APIC in
	 * CPUID, which the host sets. */
	movl	$EOI_PAYLOAD_MSR_APIC_BASE, %ecx
	rdmsr
	orl	$(EOI_PAYLOAD_APIC_BASE_EN | EOI_PAYLOAD_APIC_BASE_EXTD), %eax
	wrmsr

	/* 3. SPIV := EBX (vector 0xff, APIC software-enabled, maybe bit 12),
	 * then read back what KVM kept. */
	movl	$EOI_PAYLOAD_MSR_X2APIC_SPIV, %ecx
	movl	%ebx, %eax
	xorl	%edx, %edx
	wrmsr
	rdmsr

	/* 4. Report SPIV, say ready, wait for the interrupt. hlt returns after
	 * each interrupt; looping keeps a payload that never finishes (the
	 * no-eoi fault) halted, which the host's deadline turns into a timeout. */
	outl	%eax, $EOI_PAYLOAD_PORT_SPIV
	outb	%al, $EOI_PAYLOAD_PORT_READY
	sti
wait_for_interrupt:
	hlt
	jmp	wait_for_interrupt

	/* 5. The level-triggered interrupt. Writing 0 to the x2APIC EOI MSR
	 * is the EOI whose broadcast to the I/O APIC the test watches. */
handler:
	testl	$EOI_PAYLOAD_FLAG_SKIP_EOI, %esi
	jnz	skip_eoi
	movl	$EOI_PAYLOAD_MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	outb	%al, $EOI_PAYLOAD_PORT_DONE
	/* Only reached after the host re-entered the vCPU (see the top). */
	outb	%al, $EOI_PAYLOAD_PORT_FENCE
skip_eoi:
	iret

	/* Any CPU exception: tell the host, then stop for good. */
fault:
	outb	%al, $EOI_PAYLOAD_PORT_FAULT
	cli
fault_halt:
	hlt
	jmp	fault_halt

eoi_payload_end:

	.section .note.GNU-stack, "", @progbits
