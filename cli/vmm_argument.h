/* seoibctl apply's second half for a property VMM: the <qemu:commandline>
 * argument that makes QEMU run the recorded state, written into the
 * domain's persistent definition. */
#pragma once

#include <libvirt/libvirt.h>

#include "seoib/sentence.h"
#include "seoib/run_state.h"

/* Append <qemu:arg value=rs->option/><qemu:arg value=rs->value/> to the
 * persistent definition of dom (read with VIR_DOMAIN_XML_INACTIVE |
 * VIR_DOMAIN_XML_SECURE so that nothing is lost, edited with libxml2,
 * defined again with virDomainDefineXML). QEMU merges a later -machine into
 * libvirt's own and applies the last -global: the new argument wins over
 * any earlier one. Returns 0, or -1 with a sentence in err. */
int vmm_argument_write(virDomainPtr dom, const struct run_state *rs, char err[SEOIB_MESSAGE_MAX]);
