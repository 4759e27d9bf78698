/* fakekvm: an LD_PRELOAD shim that plays /dev/kvm for the real seoibctl, in
 * the style of kmod's testsuite (testsuite/path.c, init_module.c): the real
 * binary and the real code path, facing kernels that a CI machine cannot boot
 * cheaply (no KVM, EACCES, pre-4.8, KVM_CREATE_VM failures, unknown future
 * bits, a kernel that contradicts itself, a wedged ioctl).
 *
 * Environment:
 *   FAKEKVM_SCENARIO      the kernel to play (table below); unset = the shim
 *                         is inert and every call goes to libc
 *   FAKEKVM_DEVICE        path to intercept (default /dev/kvm)
 *   FAKEKVM_HANG_SECONDS  how long `hang` blocks in KVM_CREATE_VM (default
 *                         60); a signal ends it early with EINTR
 *   FAKEKVM_FAIL_VM_AFTER KVM_CREATE_VM fails with EMFILE once this many VMs
 *                         were created (the probe must keep what it measured)
 *   FAKEKVM_REPORT        file written at exit by a process that tried to
 *                         open the device: open fake fds (leaks), VMs and
 *                         vCPUs created, ioctls seen (other preloaded
 *                         processes, e.g. timeout(1), write nothing)
 *   FAKEKVM_EOI_ORDER     when KVM_RUN delivers the payload's EOI exit:
 *                         `late` (default; the KVM_RUN after the DONE write,
 *                         as Linux 6.18.44 kvm_pvm does) or `early` (before
 *                         DONE, as TCG did)
 *   FAKEKVM_NO_FENCE      set: the payload never reaches its FENCE write
 *
 * Fake fds are real descriptors of /dev/null, so the kernel hands out the
 * numbers and nothing else can collide with them; a table says what each one
 * plays. KVM_RUN plays the behaviour probe's EOI payload (lib/kvm/eoi_payload.S) as
 * a sequence of exits: SPIV and READY writes, then, once the host pulsed a
 * routed line, the EOI exit (unless SPIV bit 12 stuck in a VM with bit 2 on a
 * kernel that honours it) around DONE, then FENCE; where the payload would
 * halt for ever KVM_RUN blocks until a signal (EINTR), honouring
 * immediate_exit as KVM does. The shim's vCPU fds are mmap()ed as anonymous
 * shared memory for the kvm_run page. Other ioctls on a fake fd fail with
 * ENOTTY, as the kernel answers an ioctl it does not know. */
/* open and open64 are both defined here, so libc must not alias one to the
 * other (meson builds with -D_FILE_OFFSET_BITS=64); kmod's shims do the same. */
#undef _FILE_OFFSET_BITS

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/kvm/eoi_payload.h"
#include "seoib/kvm_x2apic.h"

#define FAKE_FDS_MAX 4096
#define FAKE_VMS_MAX 256
#define FAKE_CPUID_ENTRIES 80 /* more than a first guess of 64: the caller must grow */
#define FAKE_CPUID_MAX 256    /* KVM_MAX_CPUID_ENTRIES */
#define FAKE_IOAPIC_PINS 24   /* KVM_MAX_IRQ_ROUTES floor for a split irqchip */
#define LVR_BASE 0x00050014u  /* version 0x14, max LVT entry 5 */
#define CPUID_X2APIC_ECX (1u << 21)
#define BIT_ENABLE KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST
#define BIT_DISABLE KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST

/* ---- scenarios: the kernels the shim plays ------------------------------ */

enum lvr_rule {
	LVR_LEGACY,       /* 6.1: Directed EOI advertised with a split irqchip only */
	LVR_PRE_0BCC3FB,  /* before 4.19: advertised with either irqchip */
	LVR_FIXED,        /* 6.18.17+ / 7.x: bit 3 hides it (docs/background.md section 2) */
	LVR_ENABLE_BROKEN /* claims the fix but bit 2 clears LVR bit 24 */
};

struct scenario {
	const char *name;
	int open_errno;
	int create_vm_errno;
	bool hang;
	int api_version;
	bool has_x2apic_api; /* KVM_CAP_X2APIC_API known to KVM_ENABLE_CAP */
	unsigned long long caps_system, caps_vm, caps_vm_split, caps_vm_irqchip;
	unsigned long long valid_flags;
	enum lvr_rule lvr;
	bool enable_broadcasts; /* accepts bit 2, yet a payload's EOI with SPIV bit 12 still exits */
};

#define FIXED_CAPS 12, true, 0xf, 0xb, 0xf, 0xb, 0xf

static const struct scenario scenarios[] = {
	{"none", ENOENT, 0, false, FIXED_CAPS, LVR_FIXED, false},
	{"eacces", EACCES, 0, false, FIXED_CAPS, LVR_FIXED, false},
	/* kvm_create_vm() fails with EBUSY when another hypervisor owns VMX/SVM */
	{"ebusy", 0, EBUSY, false, FIXED_CAPS, LVR_FIXED, false},
	{"bad-api", 0, 0, false, 11, true, 0x3, 0x3, 0x3, 0x3, 0x3, LVR_LEGACY, false},
	{"pre48", 0, 0, false, 12, false, 0, 0, 0, 0, 0, LVR_PRE_0BCC3FB, false},
	{"legacy", 0, 0, false, 12, true, 0x3, 0x3, 0x3, 0x3, 0x3, LVR_LEGACY, false},
	{"fixed", 0, 0, false, FIXED_CAPS, LVR_FIXED, false},
	{"createvm-emfile", 0, EMFILE, false, FIXED_CAPS, LVR_FIXED, false},
	{"createvm-enomem", 0, ENOMEM, false, FIXED_CAPS, LVR_FIXED, false},
	{"future", 0, 0, false, 12, true, 0x2f, 0x2b, 0x2f, 0x2b, 0x2f, LVR_FIXED, false},
	{"inconsistent", 0, 0, false, FIXED_CAPS, LVR_ENABLE_BROKEN, false},
	{"hang", 0, 0, true, FIXED_CAPS, LVR_FIXED, false},
	/* The kernel the project exists for, with the fix claimed but broken. */
	{"broadcast", 0, 0, false, FIXED_CAPS, LVR_FIXED, true},
};

/* ---- what each fake fd plays ---------------------------------------------- */

enum fake_kind { FAKE_FREE, FAKE_SYSTEM, FAKE_VM, FAKE_VCPU };
enum fake_irqchip { CHIP_NONE, CHIP_SPLIT, CHIP_KERNEL };

struct fake_vm {
	int refs; /* the VM fd and each vCPU fd, as the kernel refcounts a VM */
	enum fake_irqchip irqchip;
	unsigned long long x2apic_flags;
	int n_vcpus;
	bool routed;  /* KVM_SET_GSI_ROUTING seen */
	bool pulsed;  /* KVM_IRQ_LINE raised a routed line: the payload takes the interrupt */
};

struct fake_fd {
	enum fake_kind kind;
	int vm;       /* FAKE_VM, FAKE_VCPU: index in vms[] */
	uint32_t lvr; /* FAKE_VCPU: recomputed on KVM_SET_CPUID2, as KVM does */
	struct kvm_run *run; /* FAKE_VCPU: its mmap()ed kvm_run page */
	uint32_t ebx, esi;   /* FAKE_VCPU: the payload's inputs (KVM_SET_REGS) */
	int step;            /* FAKE_VCPU: exits played so far */
};

static struct {
	pthread_mutex_t lock;
	const struct scenario *scenario;
	const char *device;
	unsigned hang_seconds;
	long fail_vm_after; /* -1 = never */
	struct fake_fd fds[FAKE_FDS_MAX];
	struct fake_vm vms[FAKE_VMS_MAX];
	long device_opens, open_fds, vms_created, vcpus_created, ioctls;
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_vm_after = -1};

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

static void *next_symbol(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	if (!sym) {
		fprintf(stderr, "fakekvm: cannot find %s in the next library: %s\n", name, dlerror());
		abort();
	}
	return sym;
}

static const struct scenario *find_scenario(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return &scenarios[i];
	fprintf(stderr, "fakekvm: unknown FAKEKVM_SCENARIO '%s'; see tests/shim/fakekvm.c for the list\n", name);
	_exit(99); /* a misconfigured test must fail loudly, not probe the real host */
}

__attribute__((constructor)) static void fakekvm_init(void)
{
	if (real_open)
		return;
	const char *name = getenv("FAKEKVM_SCENARIO");
	const char *s;

	real_open = next_symbol("open");
	real_openat = next_symbol("openat");
	real_close = next_symbol("close");
	real_ioctl = next_symbol("ioctl");
	fake.device = getenv("FAKEKVM_DEVICE") ? getenv("FAKEKVM_DEVICE") : "/dev/kvm";
	fake.hang_seconds = (s = getenv("FAKEKVM_HANG_SECONDS")) ? (unsigned)strtoul(s, NULL, 10) : 60;
	if ((s = getenv("FAKEKVM_FAIL_VM_AFTER")))
		fake.fail_vm_after = strtol(s, NULL, 10);
	if (name && *name)
		fake.scenario = find_scenario(name);
}

__attribute__((destructor)) static void fakekvm_report(void)
{
	const char *path = getenv("FAKEKVM_REPORT");
	FILE *f;

	if (!fake.scenario || !path || !fake.device_opens)
		return;
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "device_opens=%ld\nopen_fake_fds=%ld\nvms_created=%ld\nvcpus_created=%ld\nioctls=%ld\n",
		fake.device_opens, fake.open_fds, fake.vms_created, fake.vcpus_created, fake.ioctls);
	fclose(f);
}

static struct fake_fd *fake_of(int fd)
{
	if (!real_close)
		fakekvm_init(); /* called from another library's constructor */
	if (!fake.scenario || fd < 0 || fd >= FAKE_FDS_MAX || fake.fds[fd].kind == FAKE_FREE)
		return NULL;
	return &fake.fds[fd];
}

/* A new fake fd of that kind; -1 with errno on failure. Lock held. */
static int fake_fd_new(enum fake_kind kind, int vm)
{
	int fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fd >= FAKE_FDS_MAX) {
		real_close(fd);
		errno = EMFILE;
		return -1;
	}
	fake.fds[fd] = (struct fake_fd){.kind = kind, .vm = vm};
	fake.open_fds++;
	return fd;
}

static void vm_unref(int vm)
{
	if (--fake.vms[vm].refs == 0)
		memset(&fake.vms[vm], 0, sizeof(fake.vms[vm]));
}

/* ---- open / close ---------------------------------------------------------- */

static bool is_device(const char *path)
{
	if (!real_open)
		fakekvm_init();
	return fake.scenario && path && strcmp(path, fake.device) == 0;
}

static int open_device(void)
{
	int fd;

	__atomic_add_fetch(&fake.device_opens, 1, __ATOMIC_SEQ_CST);
	if (fake.scenario->open_errno) {
		errno = fake.scenario->open_errno;
		return -1;
	}
	pthread_mutex_lock(&fake.lock);
	fd = fake_fd_new(FAKE_SYSTEM, -1);
	pthread_mutex_unlock(&fake.lock);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return is_device(path) ? open_device() : real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return is_device(path) ? open_device() : real_open(path, flags | O_LARGEFILE, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return is_device(path) ? open_device() : real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return is_device(path) ? open_device() : real_openat(dirfd, path, flags | O_LARGEFILE, mode);
}

/* _FORTIFY_SOURCE builds call these when the flags are not constant. */
int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags) { return open64(path, flags); }
int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }
int __openat64_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags) { return openat64(dirfd, path, flags); }

int close(int fd)
{
	struct fake_fd *f;

	pthread_mutex_lock(&fake.lock);
	f = fake_of(fd);
	if (f) {
		if (f->kind != FAKE_SYSTEM)
			vm_unref(f->vm);
		f->kind = FAKE_FREE;
		fake.open_fds--;
	}
	pthread_mutex_unlock(&fake.lock);
	return real_close(fd);
}

/* ---- the system fd ------------------------------------------------------------ */

static int fail(int err)
{
	errno = err;
	return -1;
}

/* Block like a wedged kernel, but boundedly, and give way to any signal. */
static int hang(void)
{
	struct timespec left = {.tv_sec = fake.hang_seconds};

	pthread_mutex_unlock(&fake.lock);
	while (nanosleep(&left, &left) < 0)
		if (errno == EINTR) {
			pthread_mutex_lock(&fake.lock);
			return fail(EINTR);
		}
	pthread_mutex_lock(&fake.lock);
	return 0;
}

static int create_vm(void)
{
	int slot;
	int fd;

	if (fake.scenario->hang && hang() < 0)
		return -1;
	if (fake.scenario->create_vm_errno)
		return fail(fake.scenario->create_vm_errno);
	if (fake.fail_vm_after >= 0 && fake.vms_created >= fake.fail_vm_after)
		return fail(EMFILE);
	for (slot = 0; slot < FAKE_VMS_MAX && fake.vms[slot].refs; slot++)
		;
	if (slot == FAKE_VMS_MAX)
		return fail(ENOMEM);
	fd = fake_fd_new(FAKE_VM, slot);
	if (fd < 0)
		return -1;
	fake.vms[slot] = (struct fake_vm){.refs = 1};
	fake.vms_created++;
	return fd;
}

static long check_extension(const struct fake_vm *vm, unsigned long cap)
{
	const struct scenario *s = fake.scenario;

	switch (cap) {
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_SPLIT_IRQCHIP:
		return 1;
	case KVM_CAP_X2APIC_API:
		/* A VM fd masks what its irqchip cannot honour (bit 2 needs split). */
		if (!vm)
			return (long)s->caps_system;
		if (vm->irqchip == CHIP_SPLIT)
			return (long)s->caps_vm_split;
		return (long)(vm->irqchip == CHIP_KERNEL ? s->caps_vm_irqchip : s->caps_vm);
	default:
		return 0;
	}
}

/* Leaf 1 without x2APIC: the caller must set CPUID.1:ECX bit 21 itself. */
static int supported_cpuid(struct kvm_cpuid2 *cpuid)
{
	if (cpuid->nent < FAKE_CPUID_ENTRIES) {
		cpuid->nent = FAKE_CPUID_ENTRIES;
		return fail(E2BIG);
	}
	cpuid->nent = FAKE_CPUID_ENTRIES;
	memset(cpuid->entries, 0, FAKE_CPUID_ENTRIES * sizeof(cpuid->entries[0]));
	cpuid->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 0xd};
	cpuid->entries[1] = (struct kvm_cpuid_entry2){.function = 1, .ecx = 0x80000000u};
	for (unsigned i = 2; i < FAKE_CPUID_ENTRIES; i++)
		cpuid->entries[i] = (struct kvm_cpuid_entry2){.function = 0x40000000u + i};
	return 0;
}

static int system_ioctl(unsigned long request, void *arg)
{
	switch (request) {
	case KVM_GET_API_VERSION:
		return fake.scenario->api_version;
	case KVM_CHECK_EXTENSION:
		return (int)check_extension(NULL, (unsigned long)arg);
	case KVM_CREATE_VM:
		return create_vm();
	case KVM_GET_SUPPORTED_CPUID:
		return supported_cpuid(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return 3 * 4096;
	default:
		return fail(ENOTTY);
	}
}

/* ---- VM fds ------------------------------------------------------------------- */

static int enable_x2apic_api(struct fake_vm *vm, unsigned long long flags)
{
	const struct scenario *s = fake.scenario;

	/* kvm_vm_ioctl_enable_cap(): unknown cap or flags, bits 2|3 together,
	 * and bit 2 without a split irqchip are all EINVAL. */
	if (!s->has_x2apic_api || (flags & ~s->valid_flags))
		return fail(EINVAL);
	if ((flags & (BIT_ENABLE | BIT_DISABLE)) == (BIT_ENABLE | BIT_DISABLE))
		return fail(EINVAL);
	if ((flags & BIT_ENABLE) && vm->irqchip != CHIP_SPLIT)
		return fail(EINVAL);
	vm->x2apic_flags = flags;
	return 0;
}

static int enable_split_irqchip(struct fake_vm *vm, unsigned long long pins)
{
	if (pins > FAKE_IOAPIC_PINS || vm->n_vcpus)
		return fail(EINVAL);
	if (vm->irqchip != CHIP_NONE)
		return fail(EEXIST);
	vm->irqchip = CHIP_SPLIT;
	return 0;
}

static int vm_enable_cap(struct fake_vm *vm, const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_SPLIT_IRQCHIP:
		return enable_split_irqchip(vm, cap->args[0]);
	case KVM_CAP_X2APIC_API:
		return enable_x2apic_api(vm, cap->args[0]);
	default:
		return fail(EINVAL);
	}
}

static int create_irqchip(struct fake_vm *vm)
{
	if (vm->n_vcpus)
		return fail(EINVAL);
	if (vm->irqchip != CHIP_NONE)
		return fail(EEXIST);
	vm->irqchip = CHIP_KERNEL;
	return 0;
}

static int create_vcpu(int vm_index)
{
	int fd = fake_fd_new(FAKE_VCPU, vm_index);

	if (fd < 0)
		return -1;
	fake.vms[vm_index].refs++;
	fake.vms[vm_index].n_vcpus++;
	fake.vcpus_created++;
	/* The LVR a vCPU is born with: no CPUID yet, so no x2APIC, no bit 24. */
	fake.fds[fd].lvr = LVR_BASE;
	return fd;
}

/* The MSI route and the pulse lib/kvm/behaviour.c uses to deliver a level
 * interrupt: the payload takes it once a routed line was raised. */
static int irq_line(struct fake_vm *vm, const struct kvm_irq_level *line)
{
	if (line->level && vm->routed)
		vm->pulsed = true;
	return 0;
}

static int vm_ioctl(int vm_index, unsigned long request, void *arg)
{
	struct fake_vm *vm = &fake.vms[vm_index];

	switch (request) {
	case KVM_SET_TSS_ADDR:
	case KVM_SET_USER_MEMORY_REGION:
		return 0;
	case KVM_SET_GSI_ROUTING:
		vm->routed = ((const struct kvm_irq_routing *)arg)->nr > 0;
		return 0;
	case KVM_IRQ_LINE:
		return irq_line(vm, arg);
	case KVM_CHECK_EXTENSION:
		return (int)check_extension(vm, (unsigned long)arg);
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, arg);
	case KVM_CREATE_IRQCHIP:
		return create_irqchip(vm);
	case KVM_CREATE_VCPU:
		return create_vcpu(vm_index);
	default:
		return fail(ENOTTY);
	}
}

/* ---- vCPU fds ------------------------------------------------------------------ */

static bool directed_eoi(const struct fake_vm *vm, bool x2apic)
{
	bool split = vm->irqchip == CHIP_SPLIT;

	if (!x2apic)
		return false; /* KVM sets bit 24 only for an x2APIC-capable vCPU */
	switch (fake.scenario->lvr) {
	case LVR_PRE_0BCC3FB:
		return true;
	case LVR_LEGACY:
		return split;
	case LVR_FIXED:
		return split && !(vm->x2apic_flags & BIT_DISABLE);
	case LVR_ENABLE_BROKEN:
		return split && !(vm->x2apic_flags & (BIT_ENABLE | BIT_DISABLE));
	}
	return false;
}

/* kvm_apic_set_version() runs on KVM_SET_CPUID2: only then does the LVR
 * follow the VM's flags and the vCPU's CPUID. */
static int set_cpuid(struct fake_fd *vcpu, const struct kvm_cpuid2 *cpuid)
{
	bool x2apic = false;

	if (cpuid->nent > FAKE_CPUID_MAX)
		return fail(E2BIG);
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1 && cpuid->entries[i].index == 0)
			x2apic = cpuid->entries[i].ecx & CPUID_X2APIC_ECX;
	vcpu->lvr = LVR_BASE | (directed_eoi(&fake.vms[vcpu->vm], x2apic) ? SEOIB_LVR_DIRECTED_EOI : 0);
	return 0;
}

static int get_lapic(const struct fake_fd *vcpu, struct kvm_lapic_state *lapic)
{
	if (fake.vms[vcpu->vm].irqchip == CHIP_NONE)
		return fail(ENXIO); /* no local APIC in the kernel */
	memset(lapic, 0, sizeof(*lapic));
	memcpy(&lapic->regs[SEOIB_APIC_LVR], &vcpu->lvr, sizeof(vcpu->lvr));
	return 0;
}

/* ---- the payload, as the exits KVM_RUN returns -------------------------------- */

/* A halted vCPU with nothing pending: KVM_RUN sleeps until a signal. Sliced,
 * so a signal that lands just before the sleep (the deadline setting
 * immediate_exit) ends it within a slice, as KVM's own check would. */
static int halt_until_signal(struct kvm_run *run)
{
	const struct timespec slice = {.tv_nsec = 10 * 1000 * 1000};
	unsigned slices = fake.hang_seconds * 100;

	pthread_mutex_unlock(&fake.lock);
	for (unsigned i = 0; i < slices && !run->immediate_exit; i++)
		if (nanosleep(&slice, NULL) < 0 && errno == EINTR)
			break;
	pthread_mutex_lock(&fake.lock);
	run->exit_reason = KVM_EXIT_INTR;
	return fail(EINTR);
}

static int exit_out(struct kvm_run *run, uint16_t port, uint8_t size, uint32_t value)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 2048; /* inside the kvm_run mapping, past struct kvm_run */
	memcpy((char *)run + run->io.data_offset, &value, size);
	return 0;
}

enum payload_exit { EXIT_EOI, EXIT_DONE, EXIT_FENCE };

/* The interrupt handler's exits, in the order this host delivers them. */
static int handler_exits(const struct fake_fd *vcpu, enum payload_exit *seq)
{
	const struct fake_vm *vm = &fake.vms[vcpu->vm];
	const char *order = getenv("FAKEKVM_EOI_ORDER");
	bool late = !order || strcmp(order, "early") != 0;
	bool stuck = (vcpu->ebx & SEOIB_SPIV_SUPPRESS_EOI) && (vcpu->lvr & SEOIB_LVR_DIRECTED_EOI);
	bool exits = !(stuck && (vm->x2apic_flags & BIT_ENABLE) && !fake.scenario->enable_broadcasts);
	int n = 0;

	if (exits && !late)
		seq[n++] = EXIT_EOI;
	seq[n++] = EXIT_DONE;
	if (exits && late)
		seq[n++] = EXIT_EOI; /* a vCPU request, delivered on the next KVM_RUN */
	if (!getenv("FAKEKVM_NO_FENCE"))
		seq[n++] = EXIT_FENCE;
	return n;
}

static int run_vcpu(struct fake_fd *vcpu)
{
	struct kvm_run *run = vcpu->run;
	enum payload_exit seq[3];
	int n, i = vcpu->step - 2;
	uint32_t spiv = vcpu->ebx;

	if (!run)
		return fail(EFAULT); /* the caller never mapped kvm_run */
	if (run->immediate_exit)
		return fail(EINTR);
	if (vcpu->step == 0) {
		/* KVM keeps SPIV bit 12 only when the LVR advertises Directed EOI. */
		if (!(vcpu->lvr & SEOIB_LVR_DIRECTED_EOI))
			spiv &= ~(uint32_t)SEOIB_SPIV_SUPPRESS_EOI;
		vcpu->step++;
		return exit_out(run, EOI_PAYLOAD_PORT_SPIV, 4, spiv);
	}
	if (vcpu->step == 1) {
		vcpu->step++;
		return exit_out(run, EOI_PAYLOAD_PORT_READY, 1, spiv & 0xff);
	}
	n = handler_exits(vcpu, seq);
	if (!fake.vms[vcpu->vm].pulsed || (vcpu->esi & EOI_PAYLOAD_FLAG_SKIP_EOI) || i >= n)
		return halt_until_signal(run);
	vcpu->step++;
	switch (seq[i]) {
	case EXIT_EOI:
		run->exit_reason = KVM_EXIT_IOAPIC_EOI;
		run->eoi.vector = EOI_PAYLOAD_VECTOR;
		return 0;
	case EXIT_DONE:
		return exit_out(run, EOI_PAYLOAD_PORT_DONE, 1, 0);
	default:
		return exit_out(run, EOI_PAYLOAD_PORT_FENCE, 1, 0);
	}
}

static int set_regs(struct fake_fd *vcpu, const struct kvm_regs *regs)
{
	vcpu->ebx = (uint32_t)regs->rbx;
	vcpu->esi = (uint32_t)regs->rsi;
	return 0;
}

static int vcpu_ioctl(struct fake_fd *vcpu, unsigned long request, void *arg)
{
	switch (request) {
	case KVM_SET_CPUID2:
		return set_cpuid(vcpu, arg);
	case KVM_GET_LAPIC:
		return get_lapic(vcpu, arg);
	case KVM_GET_SREGS:
		memset(arg, 0, sizeof(struct kvm_sregs));
		return 0;
	case KVM_SET_SREGS:
		return 0;
	case KVM_SET_REGS:
		return set_regs(vcpu, arg);
	case KVM_RUN:
		return run_vcpu(vcpu);
	default:
		return fail(ENOTTY);
	}
}

/* ---- mmap: the kvm_run page of a fake vCPU ---------------------------------------- */

/* Straight to the kernel: malloc and dlsym call mmap before this library is
 * initialised, and a fake fd is a /dev/null, which cannot be mapped. */
static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_fd *f;
	void *p;

	if (fd < 0)
		return sys_mmap(addr, len, prot, flags, fd, off);
	pthread_mutex_lock(&fake.lock);
	f = fake_of(fd);
	if (!f || f->kind != FAKE_VCPU) {
		pthread_mutex_unlock(&fake.lock);
		return sys_mmap(addr, len, prot, flags, fd, off);
	}
	p = sys_mmap(addr, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		f->run = p;
	pthread_mutex_unlock(&fake.lock);
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/* ---- ioctl --------------------------------------------------------------------- */

static int fake_ioctl(struct fake_fd *f, unsigned long request, void *arg)
{
	fake.ioctls++;
	switch (f->kind) {
	case FAKE_SYSTEM:
		return system_ioctl(request, arg);
	case FAKE_VM:
		return vm_ioctl(f->vm, request, arg);
	case FAKE_VCPU:
		return vcpu_ioctl(f, request, arg);
	default:
		return fail(EBADF);
	}
}

int ioctl(int fd, unsigned long request, ...)
{
	struct fake_fd *f;
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	pthread_mutex_lock(&fake.lock);
	f = fake_of(fd);
	if (!f) {
		pthread_mutex_unlock(&fake.lock);
		return real_ioctl(fd, request, arg);
	}
	ret = fake_ioctl(f, request, arg);
	{
		int saved = errno;

		pthread_mutex_unlock(&fake.lock);
		errno = saved;
	}
	return ret;
}
