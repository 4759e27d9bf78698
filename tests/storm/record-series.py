#!/usr/bin/env python3
"""Record a vCPU's KVM counters from a running QEMU, once a second, in the
series format of tests/storm/data (one line a sample: t_ns irq_injections
halt_exits exits vcpu_time_ns fpu_reload io_exits mmio_exits signal_exits
vcpu_delay_ns).

QMP query-stats (target vcpu, provider kvm) gives the same counters libvirt's
virConnectGetAllDomainStats(VIR_DOMAIN_STATS_VCPU) returns; the vCPU thread's
CPU time and its wait for a CPU are the first two fields of
/proc/PID/task/TID/schedstat (ns), where libvirt reads vcpu.N.time and
vcpu.N.delay.

usage: record-series.py QMP_SOCKET SECONDS OUT_FILE"""
import json
import socket
import sys
import time

FIELDS = ["irq_injections", "halt_exits", "exits", "fpu_reload", "io_exits", "mmio_exits", "signal_exits"]


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.buf = b""
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("record-series: QMP closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            reply = self.read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise SystemExit("record-series: %s: %s" % (name, reply["error"]))


def main():
    qmp = Qmp(sys.argv[1])
    seconds = int(sys.argv[2])
    pid = qmp.cmd("query-cpus-fast")[0]["thread-id"]
    with open("/proc/%d/status" % pid) as f:
        tgid = [l.split()[1] for l in f if l.startswith("Tgid:")][0]
    with open(sys.argv[3], "w") as out:
        out.write("# t_ns irq_injections halt_exits exits vcpu_time_ns fpu_reload io_exits mmio_exits signal_exits vcpu_delay_ns\n")
        t0 = time.monotonic_ns()
        for i in range(seconds + 1):
            time.sleep(max(0, (t0 + i * 1e9 - time.monotonic_ns()) / 1e9))
            stats = qmp.cmd("query-stats", target="vcpu", providers=[{"provider": "kvm"}])[0]["stats"]
            now = time.monotonic_ns()
            values = {s["name"]: s["value"] for s in stats}
            with open("/proc/%s/task/%d/schedstat" % (tgid, pid)) as f:
                cpu_ns, delay_ns = [int(x) for x in f.read().split()[:2]]
            out.write("%d %d %d %d %d %s %d\n" % (now - t0, values["irq_injections"], values["halt_exits"],
                                                  values["exits"], cpu_ns,
                                                  " ".join(str(values[k]) for k in FIELDS[3:]), delay_ns))
            out.flush()


main()
