/* Killing what a probe spawned, beyond its process group. A QEMU may call
 * setsid() and fork (as -daemonize does): its children then leave the
 * probe's process group, and a SIGKILL to the group misses them. Both the
 * probe child and seoibd are child subreapers (PR_SET_CHILD_SUBREAPER,
 * prctl(2)): an orphan deeper down is re-parented to the nearest of them
 * instead of init, where reap_children() finds and kills it. */
#pragma once

/* SIGKILL every child of this process, reap it, and repeat while killing
 * re-parents grandchildren to us; at most REAP_ROUNDS_MAX rounds. Finds
 * children by scanning /proc/PID/stat for our PID as parent (the kernel's
 * /proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN, often off).
 * Async-signal-safe: raw open/getdents64/read/kill/waitpid only, no malloc,
 * so the probe child may call it from its SIGTERM handler. Returns the
 * number of processes killed. */
int reap_children(void);

#define REAP_ROUNDS_MAX 16
