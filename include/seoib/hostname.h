/* Strict validation of a peer host name before it reaches ssh's argv.
 * seoibctl never builds a shell command line, but ssh itself reads an argument
 * starting with '-' as an option (-oProxyCommand=... runs a command), so a
 * destination must be a plain RFC 1123 host name or an IP literal. */
#pragma once

#include <stdbool.h>

#include "seoib/sentence.h"

#define HOSTNAME_MAX 253 /* RFC 1123 / RFC 1035: 253 characters in text form */

/* True for an RFC 1123 host name (letters, digits and '-' in dot-separated
 * labels of 1-63 characters, no label starting or ending with '-'), an IPv4
 * dotted quad or an IPv6 literal. Otherwise false with a sentence in err. */
bool hostname_is_valid(const char *host, char err[SEOIB_MESSAGE_MAX]);

/* Linux's limit on a UTS nodename (__NEW_UTS_LEN, include/uapi/linux/utsname.h). */
#define NODENAME_MAX 64

/* The rule for a host name inside a host record, which the host itself
 * writes from gethostname(): whatever Linux accepts as a nodename (1 to 64
 * bytes: "hv_01", "(none)", "a;b" included), less control characters, which
 * no record carries (they could rewrite an operator's terminal). Every
 * reader of a record applies this rule and no stricter one; the RFC 1123
 * rule of hostname_is_valid() is for names that reach ssh. False with a
 * sentence in err otherwise. Source: kernel/sys.c sethostname(). */
bool hostname_is_nodename(const char *name, char err[SEOIB_MESSAGE_MAX]);
