/* Text from records, domain XML and peers reaches terminals and the journal:
 * the one place that makes it inert there. A C1 control such as U+009B
 * (CSI) or an ESC starts a terminal escape sequence; a bidi override such as
 * U+202E (RLO) makes a line read differently from what it holds (Trojan
 * Source, CVE-2021-42574). Unicode TR #9 lists the bidi controls; ECMA-48
 * the C0/C1 sets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Room that escaping len input bytes may need: every byte can grow to six
 * ("\u009b" for two bytes, "\ufffd" for one bad byte), plus the NUL. */
#define TEXT_ESCAPE_ROOM(len) ((len) * 6 + 1)

/* Copy in[0..len) to out, replacing with a JSON-style escape "\uXXXX":
 * C0 controls but tab and newline, DEL, C1 controls (U+0080..U+009F), the
 * bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and
 * the line/paragraph separators U+2028, U+2029; and a byte that is not part
 * of valid UTF-8 with "\ufffd". Inside a JSON string the result means the
 * same text, so JSON output stays valid and equal. Everything else, valid
 * UTF-8 included, is copied unchanged.
 * When final is false, an incomplete UTF-8 sequence at the end is left
 * unconsumed (for streams that split writes anywhere).
 * With out_size at least TEXT_ESCAPE_ROOM(len) all fits. Returns the number of
 * input bytes consumed, less than len when out is full (it stops between
 * characters); *out_len gets the output length (out is NUL-terminated). */
size_t text_escape(const char *in, size_t len, bool final, char *out, size_t out_size, size_t *out_len);

/* text_escape() of a NUL-terminated string into buf (truncated to fit at a
 * character boundary). Returns buf. */
const char *text_escape_str(const char *s, char *buf, size_t size);

/* Replace stdout and stderr by streams that pass everything written to them
 * through text_escape() on the way to the same file descriptors, so every
 * message and every report of the program is escaped in one place. stdout
 * keeps its buffering (line-buffered on a terminal), stderr stays
 * unbuffered. Call first thing in main(). Returns 0, or -1 (errno) with the
 * streams left as they were. */
int text_escape_std_streams(void);
