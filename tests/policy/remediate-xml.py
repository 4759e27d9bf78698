#!/usr/bin/env python3
"""Carry out a guest-CPU remediation of `seoibctl policy` on a domain XML, and
say which QEMU command line shapes that guest's machine (docs/policy.md,
"x2APIC off as a remediation"). Used by remediation-qemu.sh.

  remediate-xml.py apply REMEDIATION IN.xml OUT.xml
      edits the XML as the remediation's words say; exit 3 if the
      remediation is not one of the guest-CPU edits this script knows.
  remediate-xml.py argv IN.xml [split]
      prints, one per line, the QEMU arguments that shape the machine:
      -machine TYPE,kernel-irqchip=..., -cpu MODEL,FEATURES, the IOMMU
      -device, and <qemu:commandline>'s -machine, -device and -global.
      Never disks, NICs or other backends.
"""
import sys
import xml.etree.ElementTree as ET

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


def cpu_element(root):
    cpu = root.find("cpu")
    if cpu is None:
        cpu = ET.SubElement(root, "cpu")
    return cpu


def add_feature(cpu, name):
    for f in cpu.findall("feature"):
        if f.get("name") == name:
            f.set("policy", "disable")
            return
    ET.SubElement(cpu, "feature", {"policy": "disable", "name": name})


def apply(remediation, src, dst):
    ET.register_namespace("qemu", QEMU_NS)
    tree = ET.parse(src)
    root = tree.getroot()
    if "add <feature policy='disable' name='x2apic'/> to its <cpu>" in remediation:
        add_feature(cpu_element(root), "x2apic")
    elif "<model fallback='allow'>qemu64</model><feature policy='disable' name='x2apic'/></cpu>" in remediation:
        old = root.find("cpu")
        if old is not None:
            root.remove(old)
        cpu = ET.SubElement(root, "cpu", {"mode": "custom", "match": "exact"})
        ET.SubElement(cpu, "model", {"fallback": "allow"}).text = "qemu64"
        add_feature(cpu, "x2apic")
    elif "append ,-x2apic to the -cpu argument of its <qemu:commandline>" in remediation:
        args = root.findall("{%s}commandline/{%s}arg" % (QEMU_NS, QEMU_NS))
        last = [i for i, a in enumerate(args[:-1]) if a.get("value") == "-cpu"][-1]
        args[last + 1].set("value", args[last + 1].get("value") + ",-x2apic")
    elif "<feature policy='disable' name='vmx'/> and <feature policy='disable' name='svm'/>" in remediation:
        cpu = cpu_element(root)
        add_feature(cpu, "vmx")
        add_feature(cpu, "svm")
    else:
        return 3
    tree.write(dst)
    return 0


def cpu_arg(root):
    """-cpu as libvirt builds it from <cpu>, or the <qemu:commandline> -cpu."""
    args = [a.get("value") for a in root.findall("{%s}commandline/{%s}arg" % (QEMU_NS, QEMU_NS))]
    for i in range(len(args) - 2, -1, -1):
        if args[i] == "-cpu":
            return args[i + 1]
    cpu = root.find("cpu")
    if cpu is None:
        return "qemu64"
    mode = cpu.get("mode", "custom")
    model = "host" if mode in ("host-passthrough", "host-model") else "max" if mode == "maximum" else \
        (cpu.findtext("model") or "qemu64")
    feats = []
    for f in cpu.findall("feature"):
        policy = f.get("policy", "require")
        if policy in ("disable", "forbid"):
            feats.append("-" + f.get("name"))
        elif policy in ("require", "force"):
            feats.append("+" + f.get("name"))
    return ",".join([model] + feats)


def argv(src, judged_split):
    root = ET.parse(src).getroot()
    machine = root.find("os/type").get("machine", "q35")
    # judged_split: seoib judged the guest split (a split requirement wins:
    # QEMU runs it split or not at all), whatever <ioapic> says.
    split = judged_split or (root.find("features/ioapic") is not None and
                             root.find("features/ioapic").get("driver") == "qemu")
    iommu = root.find("devices/iommu")
    out = []
    if iommu is not None:
        split = split or iommu.find("driver") is not None and iommu.find("driver").get("intremap") == "on"
    out += ["-machine", machine + (",kernel-irqchip=split" if split else "")]
    out += ["-cpu", cpu_arg(root)]
    if iommu is not None:
        drv = iommu.find("driver")
        props = ["intel-iommu" if iommu.get("model", "intel") == "intel" else "amd-iommu"]
        for key in ("intremap", "eim", "caching_mode"):
            if drv is not None and drv.get(key):
                if key == "eim" and props[0] != "intel-iommu":
                    continue
                props.append("%s=%s" % (key.replace("_", "-"), drv.get(key)))
        out += ["-device", ",".join(props)]
    # <qemu:commandline> comes last, as libvirt puts it: -machine merges
    # into the one above, -device and -global add to it.
    args = [a.get("value") for a in root.findall("{%s}commandline/{%s}arg" % (QEMU_NS, QEMU_NS))]
    for opt, value in zip(args, args[1:]):
        if opt.lstrip("-") in ("machine", "M", "device", "global"):
            out += [opt, value]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "apply":
        sys.exit(apply(sys.argv[2], sys.argv[3], sys.argv[4]))
    if len(sys.argv) in (3, 4) and sys.argv[1] == "argv":
        sys.exit(argv(sys.argv[2], len(sys.argv) == 4 and sys.argv[3] == "split"))
    sys.exit(__doc__)
