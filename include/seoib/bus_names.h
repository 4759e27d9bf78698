/* seoibd's names on the system bus (docs/seoibd.md), for the daemon that
 * owns them and the seoibctl commands that call it. The bus policy
 * (systemd/org.seoib1.conf), the activation file and the unit's BusName=
 * spell the same names; test "units" checks that they agree. */
#pragma once

#define SEOIB_BUS_NAME "org.seoib1"
#define SEOIB_BUS_PATH "/org/seoib1"
#define SEOIB_BUS_INTERFACE SEOIB_BUS_NAME ".Host"

/* Errors Reprobe(), Decide() and Audit() answer with, beside the standard ones. */
#define SEOIB_BUS_ERROR_INVALID_XML SEOIB_BUS_NAME ".Error.InvalidXML"
#define SEOIB_BUS_ERROR_INVALID_RECORD SEOIB_BUS_NAME ".Error.InvalidRecord"
#define SEOIB_BUS_ERROR_PROBE_FAILED SEOIB_BUS_NAME ".Error.ProbeFailed"
#define SEOIB_BUS_ERROR_PROBE_TIMEOUT SEOIB_BUS_NAME ".Error.ProbeTimeout"
#define SEOIB_BUS_ERROR_NO_AUDIT SEOIB_BUS_NAME ".Error.NoAudit" /* Audit(): none yet, or libvirt-uri off */
/* Decide() over one of its queue's bounds (daemon/decide.c). */
#define SEOIB_BUS_ERROR_BUSY SEOIB_BUS_NAME ".Error.Busy"
