/* How wide text is on a terminal, for tables whose columns must line up
 * whatever the names in them (guest names are any UTF-8 libvirt accepts). */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* Columns that the UTF-8 string s takes on a terminal: wcwidth(3) of each
 * character under the C.UTF-8 locale, whatever the process's own locale
 * (so a wide CJK character is 2, a combining mark 0); a character wcwidth
 * calls non-printable, or a byte that is not valid UTF-8, counts 1. Pass
 * text already escaped for the terminal (seoib/escape.h), which is what is
 * shown. Without the C.UTF-8 locale (glibc < 2.35 without locales), every
 * character counts 1: right for Latin, Greek and Cyrillic names. */
size_t text_display_width(const char *s);

/* Write s to out, then spaces up to width columns (none when s is wider). */
void text_print_padded(FILE *out, const char *s, size_t width);
