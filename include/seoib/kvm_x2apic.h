/* KVM constants seoib relies on, with fallbacks for older uAPI headers.
 * Debian bookworm's linux-libc-dev (6.1) predates the Directed EOI flags
 * (kvm-x86 commit 6517dfbcc918, Linux 7.0 / 6.18.17). */
#pragma once

#include <linux/kvm.h>

#include "seoib/states.h"

#ifndef KVM_CAP_SPLIT_IRQCHIP
#define KVM_CAP_SPLIT_IRQCHIP 121
#endif
#ifndef KVM_CAP_X2APIC_API
#define KVM_CAP_X2APIC_API 129
#endif
#ifndef KVM_X2APIC_API_USE_32BIT_IDS
#define KVM_X2APIC_API_USE_32BIT_IDS (1ULL << 0)
#endif
#ifndef KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK
#define KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK (1ULL << 1)
#endif
#ifndef KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST
#define KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST (1ULL << 2)
#endif
#ifndef KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST
#define KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST (1ULL << 3)
#endif

/* Bits of KVM_CAP_X2APIC_API this version of seoib knows the meaning of;
 * anything else a kernel reports is kept and shown as "unknown", never rejected. */
#define SEOIB_X2APIC_KNOWN_BITS 0xfULL

/* The kernel's expected KVM_GET_API_VERSION since Linux 2.6.22. */
#define SEOIB_KVM_API_VERSION 12

/* Pins reserved for the VMM's I/O APIC with a split irqchip (QEMU uses 24). */
#define SEOIB_SPLIT_IRQCHIP_PINS 24

/* LVR (APIC version register, offset 0x30): bit 24 = "Suppress EOI Broadcast"
 * (Directed EOI) supported. SPIV (offset 0xf0): bit 12 = suppress requested. */
#define SEOIB_APIC_LVR 0x30
#define SEOIB_APIC_SPIV 0xf0
#define SEOIB_LVR_DIRECTED_EOI (1u << 24)
#define SEOIB_SPIV_SUPPRESS_EOI (1u << 12)

/* The x2APIC API flags (KVM_ENABLE_CAP KVM_CAP_X2APIC_API, args[0]) a probe
 * mode sets: bit 2, bit 3, both, or none for the legacy mode.
 * Source: Documentation/virt/kvm/api.rst, KVM_CAP_X2APIC_API. */
unsigned long long mode_flags(enum x2apic_mode m);
