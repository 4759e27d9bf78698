/* seoib's storm test guest: a multiboot ELF32 that QEMU boots with -kernel
 * (libvirt: <os><kernel>), in one of three modes chosen by its command line
 * (<cmdline>, QEMU's -append): "mode=idle", "mode=busy" or "mode=storm".
 *
 *   idle   x2APIC local APIC timer at 1 kHz, hlt between ticks.
 *   busy   the same timer, spinning between ticks (a CPU-busy guest).
 *   halt   no timer: hlt with interrupts on, forever (a guest that does
 *          nothing, for benchmarks that need many running guests).
 *   storm  the same timer, plus a level-triggered interrupt from QEMU's edu
 *          PCI device (hw/misc/edu.c: raise at BAR0+0x60, ack at BAR0+0x64)
 *          through the I/O APIC, with Directed EOI (SPIV bit 12) set. The
 *          handler EOIs at the local APIC and returns; the main loop acks
 *          the device and then EOIs the I/O APIC itself (its EOI register,
 *          version 0x20), as Directed EOI asks (Intel SDM vol. 3A, 11.8.5).
 *          A host that still broadcasts the local EOI to the I/O APIC
 *          re-delivers the still-asserted line at once: the handler runs
 *          again and again and the main loop never gets to the ack.
 *
 * It runs in long mode (kvm_pvm runs nothing else natively). Progress goes
 * to COM1.
 * It is test equipment, not seoib: see tests/storm/README.md. */
#include <stdint.h>

#define VEC_TIMER 0x40
#define VEC_DEVICE 0x50
#define VEC_SPURIOUS 0xff

#define MSR_APIC_BASE 0x1b
#define X2APIC_LVR 0x803
#define X2APIC_TPR 0x808
#define X2APIC_EOI 0x80b
#define X2APIC_SPIV 0x80f
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TIMER_INIT 0x838
#define X2APIC_TIMER_DIV 0x83e

#define IOAPIC_BASE 0xfec00000u
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* ---- entry: multiboot (32-bit, paging off) to long mode ---------------- */

/* The loader enters in 32-bit protected mode without paging. kvm_pvm runs
 * only paged 64-bit code natively, so this stub switches to long mode at
 * once: static page tables identity-mapping 4 GiB with 2 MiB pages (RAM,
 * the I/O APIC and the edu BAR alike), PAE, EFER.LME, paging. */
__asm__(
	".section .multiboot, \"a\"\n"
	".align 4\n"
	".long 0x1badb002\n"          /* multiboot v1 magic */
	".long 0x00000003\n"          /* flags: align modules, memory info */
	".long -(0x1badb002 + 3)\n"   /* checksum */
	".text\n"
	".code32\n"
	".globl _start\n"
	"_start:\n"
	"  cli\n"
	"  movl %ebx, mbi_addr\n"
	"  movl $pml4, %eax\n"
	"  movl %eax, %cr3\n"
	"  movl %cr4, %eax; orl $0x20, %eax; movl %eax, %cr4\n"          /* PAE */
	"  movl $0xc0000080, %ecx; rdmsr; orl $0x100, %eax; wrmsr\n"     /* EFER.LME */
	"  movl %cr0, %eax; orl $0x80010001, %eax; movl %eax, %cr0\n"    /* PG, WP, PE */
	"  lgdt gdt_ptr\n"
	"  ljmp $0x08, $long_entry\n"
	".code64\n"
	"long_entry:\n"
	"  movw $0x10, %ax; movw %ax, %ds; movw %ax, %es; movw %ax, %ss; movw %ax, %fs; movw %ax, %gs\n"
	"  leaq stack_top(%rip), %rsp\n"
	"  movl mbi_addr(%rip), %edi\n"
	"  call guest_main\n"
	"1: cli; hlt; jmp 1b\n"
	/* Interrupt stubs: save what the C ABI does not (the CPU aligned the
	 * stack to 16 before its 40-byte frame; 9 pushes realign it), iretq. */
	".macro SAVE\n push %rax; push %rcx; push %rdx; push %rsi; push %rdi; push %r8; push %r9; push %r10; push %r11\n.endm\n"
	".macro RESTORE\n pop %r11; pop %r10; pop %r9; pop %r8; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n.endm\n"
	".globl timer_stub, device_stub, spurious_stub, fault_stub\n"
	"timer_stub:  SAVE; call on_timer;  RESTORE; iretq\n"
	"device_stub: SAVE; call on_device; RESTORE; iretq\n"
	"spurious_stub: iretq\n"
	"fault_stub:  andq $-16, %rsp; call on_fault\n"
	"2: cli; hlt; jmp 2b\n"
	".data\n"
	".align 8\n"
	"mbi_addr: .long 0\n"
	"gdt: .quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff\n"   /* null, 64-bit code, data */
	"gdt_ptr: .word 23; .long gdt\n"
	".align 4096\n"
	"pml4: .quad pdpt + 3\n .fill 511, 8, 0\n"
	"pdpt: .quad pd + 0x3, pd + 0x1003, pd + 0x2003, pd + 0x3003\n .fill 508, 8, 0\n"
	"pd:\n .set n, 0\n .rept 2048\n .quad (n << 21) | 0x83\n .set n, n + 1\n .endr\n"
	".bss\n"
	".align 16\n"
	"stack: .skip 16384\n"
	"stack_top:\n"
	".text\n");

extern char timer_stub[], device_stub[], spurious_stub[], fault_stub[];

static uint64_t idt[512] __attribute__((aligned(16))); /* 256 gates of 16 bytes */

struct __attribute__((packed)) table_ptr {
	uint16_t limit;
	uint64_t base;
};

/* ---- port and MSR access ------------------------------------------------ */

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline volatile uint32_t *mmio32(uint32_t addr) { return (volatile uint32_t *)(uintptr_t)addr; }

/* ---- COM1 --------------------------------------------------------------- */

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void puthex(uint32_t v)
{
	for (int i = 28; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 0xf]);
}

/* ---- state shared with the handlers ------------------------------------- */

static volatile uint32_t ticks;
static volatile uint32_t device_pending;

void on_timer(void)
{
	ticks++;
	wrmsr(X2APIC_EOI, 0);
}

/* EOI at the local APIC only; the device is acked later, by the main loop.
 * The port write after the EOI stands for the work a real handler does
 * after its EOI, and matters on kvm_pvm: there KVM produces the EOI exit to
 * the VMM only at the vCPU's next exit, and without one here the main loop
 * would ack the device before the VMM hears of the EOI. On VMX/SVM the EOI
 * exit is immediate and the write changes nothing. Port 0x80 (POST codes)
 * is ignored by QEMU's pc machines. */
void on_device(void)
{
	device_pending = 1;
	wrmsr(X2APIC_EOI, 0);
	outb(0x80, 0x50);
}

void on_fault(void)
{
	puts_serial("seoib-storm-guest: unexpected exception, halted\n");
}

/* ---- setup -------------------------------------------------------------- */

static void set_gate(int vector, char *handler)
{
	uint64_t off = (uint64_t)handler;

	/* A 64-bit interrupt gate: selector 0x08, present, DPL 0, type 0xe. */
	idt[2 * vector] = (off & 0xffff) | (uint64_t)0x08 << 16 | (uint64_t)0x8e00 << 32 | ((off >> 16) & 0xffff) << 48;
	idt[2 * vector + 1] = off >> 32;
}

static void setup_cpu(void)
{
	struct table_ptr i = {sizeof(idt) - 1, (uint64_t)idt};

	for (int v = 0; v < 32; v++)
		set_gate(v, fault_stub);
	set_gate(VEC_TIMER, timer_stub);
	set_gate(VEC_DEVICE, device_stub);
	set_gate(VEC_SPURIOUS, spurious_stub);
	__asm__ volatile("lidt %0" ::"m"(i));
	/* The 8259s are not used: mask every line. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static int has_x2apic(void)
{
	uint32_t a = 1, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return (c >> 21) & 1;
}

static void start_lapic(int directed_eoi)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | 1u << 11 | 1u << 10); /* enable, x2APIC */
	wrmsr(X2APIC_TPR, 0);
	wrmsr(X2APIC_SPIV, 0x100 | VEC_SPURIOUS | (directed_eoi ? 1u << 12 : 0));
	wrmsr(X2APIC_TIMER_DIV, 0xb);                   /* divide by 1 */
	wrmsr(X2APIC_LVT_TIMER, VEC_TIMER | 1u << 17);  /* periodic */
	wrmsr(X2APIC_TIMER_INIT, 1000000);              /* KVM's APIC bus: 1 GHz, so 1 ms */
}

static uint32_t pci_read(uint32_t dev, uint32_t reg)
{
	outl(0xcf8, 0x80000000u | dev << 11 | (reg & 0xfc));
	return inl(0xcfc);
}

static void pci_write(uint32_t dev, uint32_t reg, uint32_t v)
{
	outl(0xcf8, 0x80000000u | dev << 11 | (reg & 0xfc));
	outl(0xcfc, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
	*mmio32(IOAPIC_BASE) = reg;
	return *mmio32(IOAPIC_BASE + 0x10);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*mmio32(IOAPIC_BASE) = reg;
	*mmio32(IOAPIC_BASE + 0x10) = v;
}

/* Find edu on bus 0, enable its BAR and route its INTx (the line the
 * firmware wrote into Interrupt Line) as a level-triggered VEC_DEVICE to
 * APIC ID 0. Returns BAR0, or 0 when there is no edu. */
static uint32_t setup_edu(void)
{
	for (uint32_t dev = 0; dev < 32; dev++) {
		uint32_t id = pci_read(dev, 0);
		uint32_t bar, pin;

		if ((id & 0xffff) != EDU_VENDOR || id >> 16 != EDU_DEVICE)
			continue;
		bar = pci_read(dev, 0x10) & ~0xfu;
		pin = pci_read(dev, 0x3c) & 0xff;
		pci_write(dev, 0x04, (pci_read(dev, 0x04) & ~(1u << 10)) | 0x2); /* memory on, INTx on */
		ioapic_write(0x11 + 2 * pin, 0);               /* destination APIC ID 0 */
		ioapic_write(0x10 + 2 * pin, VEC_DEVICE | 1u << 15); /* fixed, level, unmasked */
		puts_serial("seoib-storm-guest: edu BAR0 ");
		puthex(bar);
		puts_serial(" on I/O APIC pin ");
		puthex(pin);
		puts_serial(", I/O APIC version ");
		puthex(ioapic_read(1) & 0xff);
		puts_serial("\n");
		return bar;
	}
	return 0;
}

/* ---- the three modes ---------------------------------------------------- */

enum mode { IDLE, BUSY, STORM, HALT };

static int has_word(const char *s, const char *w)
{
	for (; s && *s; s++) {
		const char *a = s, *b = w;

		while (*b && *a == *b)
			a++, b++;
		if (!*b)
			return 1;
	}
	return 0;
}

static enum mode mode_from(const uint32_t *mbi)
{
	const char *cmdline = (mbi[0] & 4) ? (const char *)(uintptr_t)mbi[4] : 0;

	if (has_word(cmdline, "mode=storm"))
		return STORM;
	if (has_word(cmdline, "mode=busy"))
		return BUSY;
	if (has_word(cmdline, "mode=halt"))
		return HALT;
	return IDLE;
}

/* storm: after two seconds idle, raise the edu line. Once the handler has
 * run, read the device's interrupt status (a driver's usual first step)
 * and, unless the handler ran again meanwhile (then start over: there is a
 * newer interrupt to see to), ack it and EOI the I/O APIC; raise it again
 * at the next tick. On a host that honours Directed EOI that is one
 * device interrupt a millisecond. On one that broadcasts the local EOI,
 * every delivery is re-delivered before the ack: the loop never gets
 * past the status read, and never halts. */
static void storm_loop(uint32_t bar)
{
	volatile uint32_t *status = mmio32(bar + 0x24), *raise = mmio32(bar + 0x60), *ack = mmio32(bar + 0x64);
	uint32_t raised_at = 0, pending;
	int raised = 0;

	for (;;) {
		__asm__ volatile("cli");
		if (!device_pending)
			__asm__ volatile("sti; hlt"); /* sti's shadow: no wake-up is lost */
		__asm__ volatile("sti");
		if (device_pending) {
			device_pending = 0;
			pending = *status;
			if (device_pending)
				continue;
			*ack = pending;
			*mmio32(IOAPIC_BASE + 0x40) = VEC_DEVICE; /* the I/O APIC's EOI register */
			raised = 0;
		}
		if (!raised && ticks >= 2000 && ticks != raised_at) {
			raised_at = ticks;
			raised = 1;
			*raise = 1;
		}
	}
}

void guest_main(uint32_t mbi_addr);
void on_timer(void);
void on_device(void);
void on_fault(void);

void guest_main(uint32_t mbi_addr)
{
	const uint32_t *mbi = (const uint32_t *)(uintptr_t)mbi_addr;
	enum mode mode;
	uint32_t bar = 0;

	setup_cpu();
	mode = mode_from(mbi);
	puts_serial(mode == STORM ? "seoib-storm-guest: mode=storm\n"
		    : mode == BUSY ? "seoib-storm-guest: mode=busy\n" : "seoib-storm-guest: mode=idle\n");
	if (!has_x2apic()) {
		puts_serial("seoib-storm-guest: the CPU has no x2APIC (CPUID.1:ECX[21]); give it one, halted\n");
		return;
	}
	if (mode == STORM) {
		bar = setup_edu();
		if (!bar) {
			puts_serial("seoib-storm-guest: no edu device (-device edu); halted\n");
			return;
		}
	}
	if (mode == HALT) {
		puts_serial("seoib-storm-guest: mode=halt, no timer\n");
		for (;;)
			__asm__ volatile("sti; hlt");
	}
	start_lapic(mode == STORM);
	if (mode == STORM && !(rdmsr(X2APIC_LVR) & 1u << 24)) {
		puts_serial("seoib-storm-guest: the local APIC does not advertise Directed EOI (LVR bit 24); halted\n");
		return;
	}
	puts_serial("seoib-storm-guest: running\n");
	if (mode == STORM)
		storm_loop(bar);
	if (mode == BUSY)
		for (volatile uint32_t spin = 0;; spin++)
			__asm__ volatile("sti");
	for (;;)
		__asm__ volatile("sti; hlt");
}
