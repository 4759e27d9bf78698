/* Tearing down throwaway VMs off the caller's path. The last close() of a VM
 * fd runs kvm_destroy_vm() in the closing task and waits there for the MMU
 * notifier and SRCU grace periods: 12-23 ms per VM measured on Linux 6.18,
 * most of a capability probe's time, while the probe itself needs ~1 ms of
 * CPU per VM. The reaper closes each handed fd on its own short-lived thread,
 * so the teardowns overlap each other and the rest of the probe, and the
 * answer is out before the last one ends. */
#pragma once

#include <stddef.h>

/* Close fd (any fd; meant for a VM's last one) in the background, then
 * munmap [map, map + map_len) if map is not NULL (guest memory that must
 * outlive the VM). Never fails: where no thread can be started (EAGAIN,
 * ENOMEM) it closes and unmaps here, as close() would have. fd < 0 only
 * unmaps. The first call registers kvm_reaper_drain() with atexit(), so a
 * process never exits with a teardown half done. */
void kvm_reaper_close(int fd, void *map, size_t map_len);

/* Wait until every handed fd is closed, at most timeout_ms (0: 10 s): a
 * teardown that hangs in the kernel must not hang the caller for ever.
 * Returns the number still open (0 when drained). */
int kvm_reaper_drain_ms(unsigned timeout_ms);
void kvm_reaper_drain(void); /* kvm_reaper_drain_ms(0), for atexit() */
