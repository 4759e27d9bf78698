/* The vocabulary of seoib/states.h as it is written in JSON (the host
 * record, decisions, listings) and read back from untrusted JSON with the
 * checks of seoib/json_util.h. */
#pragma once

#include "seoib/json_util.h"
#include "seoib/states.h"

json_object *states_to_json(unsigned states);  /* ["quirked", ...] */
json_object *tristate_to_json(enum tristate t); /* true / false / null */

/* A boolean or null member: TRI_YES, TRI_NO, TRI_UNKNOWN for null. -1 with
 * r->err set when missing or of another type. */
int json_read_tristate(struct json_reader *r, json_object *parent, const char *key, enum tristate *out);
/* An array of state names, each known and named once, as STATE_BIT()s.
 * -1 with r->err set otherwise. */
int json_read_states(struct json_reader *r, json_object *parent, const char *key, unsigned *out);
