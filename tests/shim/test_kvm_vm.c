/* lib/kvm/kvm_vm.c, the KVM layer's one wrapper and its objects, against the
 * fake KVM (tests/shim/fakekvm.c, scenario `hang`: KVM_CREATE_VM blocks until
 * a signal or FAKEKVM_HANG_SECONDS pass) and /dev/null (a device that answers
 * every KVM ioctl with ENOTTY, as a kernel answers one it does not know):
 *  - a failed call returns -errno, leaves errno, and names itself, the
 *    capability included, in kvm_last_failure();
 *  - a stray signal does not end a KVM ioctl (it is made again), the armed
 *    deadline does (-EINTR);
 *  - the objects own their fds and mappings and give them back. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/kvm_deadline.h"
#include "seoib/kvm_reaper.h"
#include "seoib/kvm_vm.h"
#include "seoib/kvm_x2apic.h"

static void assert_failure(const char *call, int err)
{
	const struct kvm_failure *failure = kvm_last_failure();

	assert_non_null(failure->call);
	assert_string_equal(failure->call, call);
	assert_int_equal(failure->err, err);
}

static int open_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void failures_name_the_call(void **state)
{
	int fd = open_null();
	struct kvm_vm vm = KVM_VM_INIT;
	struct kvm_vm not_kvm = {.kvm_fd = fd, .fd = fd};

	assert_int_equal(kvm_api_version(fd), -ENOTTY);
	assert_int_equal(errno, ENOTTY);
	assert_failure("KVM_GET_API_VERSION", ENOTTY);

	assert_int_equal(kvm_check_extension(fd, KVM_CAP_X2APIC_API), -ENOTTY);
	assert_failure("KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API)", ENOTTY);

	assert_int_equal(vm_create(fd, &vm), -ENOTTY);
	assert_failure("KVM_CREATE_VM", ENOTTY);
	assert_int_equal(vm.fd, -1); /* nothing owned after a failure */

	assert_int_equal(vm_setup_irqchip(&not_kvm, IRQCHIP_SPLIT), -ENOTTY);
	assert_failure("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", ENOTTY);
	assert_int_equal(vm_setup_irqchip(&not_kvm, IRQCHIP_IN_KERNEL), -ENOTTY);
	assert_failure("KVM_CREATE_IRQCHIP", ENOTTY);
	assert_int_equal(vm_enable_x2apic_api(&not_kvm, KVM_X2APIC_API_USE_32BIT_IDS), -ENOTTY);
	assert_failure("KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)", ENOTTY);

	assert_int_equal(kvm_open("/nonexistent/seoib/kvm"), -ENOENT);
	assert_failure("open", ENOENT);
	close(fd);
}

static volatile sig_atomic_t strays;

static void on_stray(int sig)
{
	(void)sig;
	strays++;
}

/* A signal aimed at this thread after ms, from a timer of its own. */
static timer_t signal_after(int sig, unsigned ms)
{
	struct sigevent event = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = sig};
	struct itimerspec when = {.it_value = {.tv_nsec = (long)ms * 1000000L}};
	timer_t timer;

	event._sigev_un._tid = gettid();
	assert_int_equal(timer_create(CLOCK_MONOTONIC, &event, &timer), 0);
	assert_int_equal(timer_settime(timer, 0, &when, NULL), 0);
	return timer;
}

/* KVM_CREATE_VM blocks (hang) and a SIGUSR1 without SA_RESTART interrupts it:
 * the wrapper makes the call again, which then succeeds. */
static void stray_signal_restarts_the_call(void **state)
{
	struct sigaction action = {.sa_handler = on_stray}, old;
	struct kvm_vm vm = KVM_VM_INIT;
	int kvm_fd = kvm_open("/dev/kvm");
	timer_t timer;

	assert_true(kvm_fd >= 0);
	sigemptyset(&action.sa_mask);
	sigaction(SIGUSR1, &action, &old);
	strays = 0;
	timer = signal_after(SIGUSR1, 50);
	assert_int_equal(vm_create(kvm_fd, &vm), 0);
	assert_int_equal(strays, 1);
	assert_true(vm.fd >= 0);
	timer_delete(timer);
	sigaction(SIGUSR1, &old, NULL);
	kvm_vm_release(&vm);
	assert_int_equal(vm.fd, -1);
	assert_int_equal(kvm_reaper_drain_ms(0), 0);
	close(kvm_fd);
}

/* The same blocked call under an armed deadline ends at the deadline. */
static void deadline_ends_the_call(void **state)
{
	struct kvm_deadline deadline = {.armed = false};
	struct kvm_vm vm = KVM_VM_INIT;
	int kvm_fd = kvm_open("/dev/kvm");

	assert_true(kvm_fd >= 0);
	assert_int_equal(kvm_deadline_arm(&deadline, 200, NULL), 0);
	assert_int_equal(vm_create(kvm_fd, &vm), -EINTR);
	assert_true(kvm_deadline_fired());
	assert_failure("KVM_CREATE_VM", EINTR);
	assert_int_equal(vm.fd, -1);
	kvm_deadline_disarm(&deadline);
	close(kvm_fd);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

static bool has_x2apic(const struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1 && cpuid->entries[i].index == 0)
			return cpuid->entries[i].ecx & (1u << 21);
	return false;
}

/* A split-irqchip VM with memory and one mapped vCPU (scenario fixed: more
 * CPUID leaves than the first guess, so the table must grow), its LVR read
 * once, then every fd closed and every mapping gone. */
static void objects_own_and_release(void **state)
{
	struct kvm_vm vm = KVM_VM_INIT;
	struct kvm_vcpu vcpu = KVM_VCPU_INIT;
	int kvm_fd = kvm_open("/dev/kvm"), err = 0, vm_fd, vcpu_fd;
	struct kvm_cpuid2 *cpuid;
	uint32_t lvr = 0;

	assert_true(kvm_fd >= 0);
	assert_int_equal(vm_create(kvm_fd, &vm), 0);
	assert_int_equal(vm_setup_irqchip(&vm, IRQCHIP_SPLIT), 0);
	assert_int_equal(vm_add_guest_memory(&vm, 4 * 4096), 0);
	assert_non_null(vm.mem);
	assert_int_equal(vcpu_create(&vm, 0, &vcpu), 0);
	assert_ptr_equal(vcpu.vm, &vm);
	assert_int_equal(vcpu_map_run(&vcpu), 0);
	assert_non_null(vcpu.run);
	assert_true(vcpu.run_size >= sizeof(struct kvm_run));
	cpuid = kvm_get_x2apic_cpuid(kvm_fd, &err);
	assert_non_null(cpuid);
	assert_true(cpuid->nent > 64);
	assert_true(has_x2apic(cpuid));
	assert_int_equal(vcpu_set_cpuid(&vcpu, cpuid), 0);
	free(cpuid);
	assert_int_equal(vcpu_read_lvr(&vcpu, &lvr), 0);
	assert_true(lvr & SEOIB_LVR_DIRECTED_EOI); /* fixed kernel, split, no flag */

	vm_fd = vm.fd;
	vcpu_fd = vcpu.fd;
	kvm_vcpu_release(&vcpu);
	assert_int_equal(vcpu.fd, -1);
	assert_null(vcpu.run);
	assert_false(fd_open(vcpu_fd));
	kvm_vm_release(&vm);
	assert_int_equal(vm.fd, -1);
	assert_null(vm.mem);
	assert_int_equal(kvm_reaper_drain_ms(0), 0);
	assert_false(fd_open(vm_fd));
	close(kvm_fd);
}

/* FAKEKVM_SCENARIO says which kernel the shim plays, so which tests apply. */
int main(void)
{
	const struct CMUnitTest hang[] = {
		cmocka_unit_test(failures_name_the_call),
		cmocka_unit_test(stray_signal_restarts_the_call),
		cmocka_unit_test(deadline_ends_the_call),
	};
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(failures_name_the_call),
		cmocka_unit_test(objects_own_and_release),
	};
	const char *scenario = getenv("FAKEKVM_SCENARIO");

	if (scenario && strcmp(scenario, "hang") == 0)
		return cmocka_run_group_tests(hang, NULL, NULL);
	if (scenario && strcmp(scenario, "fixed") == 0)
		return cmocka_run_group_tests(fixed, NULL, NULL);
	fprintf(stderr, "test-kvm-vm: run it under tests/shim/fakekvm.c with FAKEKVM_SCENARIO=hang or fixed.\n");
	return 99;
}
