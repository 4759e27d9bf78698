/* Proves the shim's leak report can fail: opens the fake /dev/kvm, creates a
 * VM and a vCPU, and exits without closing them. The test expects
 * open_fake_fds=3 in the report. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>

int main(void)
{
	int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm_fd = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_CREATE_VM, 0);
	int vcpu_fd = vm_fd < 0 ? -1 : ioctl(vm_fd, KVM_CREATE_VCPU, 0);

	if (vcpu_fd < 0) {
		perror("fakekvm-leak: cannot set up a fake vCPU");
		return 1;
	}
	return 0; /* deliberately leaks all three */
}
