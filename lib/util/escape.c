/* Escaping of untrusted text on output (see seoib/escape.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seoib/escape.h"
#include "seoib/fileio.h"

/* Code points that must not reach a terminal raw. */
static bool must_escape(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Decode one UTF-8 sequence at s (n bytes available), RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF. Returns its length,
 * 0 when s holds only the start of a valid sequence, -1 when s[0] does not
 * start one. */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int len;

	if (s[0] < 0x80)
		return *cp = s[0], 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, *cp = s[0] & 0x0f, lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, *cp = s[0] & 0x07, lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return -1;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return -1;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

size_t text_escape(const char *in, size_t len, bool final, char *out, size_t out_size, size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len && o + 7 <= out_size) {
		uint32_t cp = 0;
		int n = utf8_decode(s + i, len - i, &cp);

		if (n == 0 && !final)
			break;
		if (n <= 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6, i += 1;
		} else if (must_escape(cp)) {
			o += (size_t)snprintf(out + o, out_size - o, "\\u%04x", (unsigned)cp);
			i += (size_t)n;
		} else {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n, i += (size_t)n;
		}
	}
	if (out_size)
		out[o] = '\0';
	*out_len = o;
	return i;
}

const char *text_escape_str(const char *s, char *buf, size_t size)
{
	size_t out_len;

	/* text_escape() stops, between characters, when buf is full. */
	text_escape(s, strlen(s), true, buf, size, &out_len);
	return buf;
}

/* ---- stdout / stderr ---- */

struct escape_stream {
	int fd;
	unsigned char carry[4]; /* the start of a UTF-8 sequence split by the caller's buffer */
	size_t n_carry;
};

static ssize_t escape_stream_write(void *cookie, const char *buf, size_t size)
{
	struct escape_stream *st = cookie;
	char in[1024 + 4], out[TEXT_ESCAPE_ROOM(sizeof(in))];
	size_t done = 0;

	while (done < size) {
		size_t take = size - done < 1024 ? size - done : 1024, n_in, used, out_len;

		memcpy(in, st->carry, st->n_carry);
		memcpy(in + st->n_carry, buf + done, take);
		n_in = st->n_carry + take;
		used = text_escape(in, n_in, false, out, sizeof(out), &out_len);
		/* At most 3 bytes stay: the start of one sequence. */
		st->n_carry = n_in - used;
		memcpy(st->carry, in + used, st->n_carry);
		if (write_all(st->fd, out, out_len) < 0)
			return done ? (ssize_t)done : -1;
		done += take;
	}
	return (ssize_t)size;
}

/* st lives as long as the process: the stream is never closed, only
 * flushed at exit. */
static FILE *escape_stream_open(struct escape_stream *st, int fd, int mode)
{
	static const cookie_io_functions_t io = {.write = escape_stream_write};
	FILE *f;

	*st = (struct escape_stream){.fd = fd};
	f = fopencookie(st, "w", io);
	if (!f)
		return NULL;
	setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	return f;
}

int text_escape_std_streams(void)
{
	static struct escape_stream out_state, err_state;
	FILE *out, *err;

	fflush(stdout);
	fflush(stderr);
	out = escape_stream_open(&out_state, STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	err = escape_stream_open(&err_state, STDERR_FILENO, _IONBF);
	if (!out || !err) {
		int saved = errno;

		if (out)
			fclose(out);
		if (err)
			fclose(err);
		errno = saved;
		return -1;
	}
	/* glibc documents stdout and stderr as assignable variables. The old
	 * streams stay open: their descriptors are the ones written to. */
	stdout = out;
	stderr = err;
	return 0;
}
