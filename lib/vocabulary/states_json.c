/* The vocabulary in JSON (seoib/states_json.h). */
#include "seoib/json_util.h"
#include "seoib/states_json.h"

json_object *states_to_json(unsigned states)
{
	json_object *a = json_object_new_array();

	for (int s = 0; s < STATE_COUNT; s++)
		if (states & STATE_BIT(s))
			json_object_array_add(a, json_object_new_string(state_to_string(s)));
	return a;
}

json_object *tristate_to_json(enum tristate t)
{
	return t == TRI_UNKNOWN ? NULL : json_object_new_boolean(t == TRI_YES);
}

int json_read_tristate(struct json_reader *r, json_object *parent, const char *key, enum tristate *out)
{
	json_object *v;

	if (!json_object_object_get_ex(parent, key, &v))
		return json_reader_fail(r, key, "is missing");
	if (!v) {
		*out = TRI_UNKNOWN;
		return 0;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return json_reader_fail(r, key, "is not true, false or null");
	*out = json_object_get_boolean(v) ? TRI_YES : TRI_NO;
	return 0;
}

int json_read_states(struct json_reader *r, json_object *parent, const char *key, unsigned *out)
{
	json_object *a;

	*out = 0;
	if (json_read_array(r, parent, key, &a) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		char name[32];
		int s;

		if (json_value_string(r, key, json_object_array_get_idx(a, i), name, sizeof(name)) < 0)
			return -1;
		s = state_from_string(name);
		if (s < 0)
			return json_reader_fail(r, key, "names an unknown state");
		if (*out & STATE_BIT(s))
			return json_reader_fail(r, key, "names a state twice");
		*out |= STATE_BIT(s);
	}
	return 0;
}
