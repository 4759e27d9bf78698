/* Peer host name validation (see seoib/hostname.h for why it is strict). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "seoib/hostname.h"
#include "seoib/sentence.h"

#define LABEL_MAX 63

static bool is_ip_literal(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

static bool is_label_char(char c)
{
	return isascii((unsigned char)c) && (isalnum((unsigned char)c) || c == '-');
}

/* Name the first offending character in a way that is safe to print. */
static void describe_char(char c, char *buf, size_t size)
{
	if (isprint((unsigned char)c) && c != ' ')
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", (unsigned char)c);
}

static bool check_labels(const char *host, char err[SEOIB_MESSAGE_MAX])
{
	size_t label_len = 0;
	char what[16];

	for (const char *p = host;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label_len == 0 || p[-1] == '-') {
				sentence_format(err, SEOIB_MESSAGE_MAX,
					 "invalid host name '%s': empty label or label ending with '-'; give an RFC 1123 host name or an IP address",
					 host);
				return false;
			}
			if (*p == '\0')
				return true;
			label_len = 0;
			continue;
		}
		if (!is_label_char(*p)) {
			describe_char(*p, what, sizeof(what));
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "invalid host name: %s is not allowed in a host name; give an RFC 1123 host name or an IP address",
				 what);
			return false;
		}
		if (label_len == 0 && *p == '-') {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "invalid host name '%s': a label starts with '-'; give an RFC 1123 host name or an IP address",
				 host);
			return false;
		}
		if (++label_len > LABEL_MAX) {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "invalid host name: a label is longer than %d characters; give an RFC 1123 host name or an IP address",
				 LABEL_MAX);
			return false;
		}
	}
}

bool hostname_is_valid(const char *host, char err[SEOIB_MESSAGE_MAX])
{
	if (!host || host[0] == '\0') {
		sentence_format(err, SEOIB_MESSAGE_MAX, "empty host name; give an RFC 1123 host name or an IP address");
		return false;
	}
	/* Checked first and on its own: ssh reads "-oProxyCommand=..." as an option. */
	if (host[0] == '-') {
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "invalid host name: it starts with '-', which ssh would read as an option; give an RFC 1123 host name or an IP address");
		return false;
	}
	if (strlen(host) > HOSTNAME_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "invalid host name: longer than %d characters; give an RFC 1123 host name or an IP address",
			 HOSTNAME_MAX);
		return false;
	}
	if (is_ip_literal(host))
		return true;
	return check_labels(host, err);
}

bool hostname_is_nodename(const char *name, char err[SEOIB_MESSAGE_MAX])
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > NODENAME_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the host name is %s; Linux host names are 1 to %d bytes (hostname(1))",
			 len ? "longer than 64 bytes" : "empty", NODENAME_MAX);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "the host name contains control characters, which no record carries; rename the host (hostname NEWNAME)");
			return false;
		}
	}
	return true;
}
