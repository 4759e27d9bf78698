/* The record file's envelope: a host record plus "last_probe". One format
 * and one parse, for the daemon that writes it and every front end that
 * reads it whole (docs/seoibd.md). */
#include <fcntl.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/record_file.h"
#include "seoib/trusted_path.h"

char *record_file_format(json_object *record_json, json_object *last_probe)
{
	if (last_probe)
		json_object_object_add(record_json, RECORD_FILE_LAST_PROBE, last_probe);
	else
		json_object_object_del(record_json, RECORD_FILE_LAST_PROBE);
	return strdup(json_object_to_json_string_ext(record_json, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
}

int record_file_parse(const char *text, size_t len, struct host_record *rec, json_object **record_json,
		      json_object **last_probe, char why[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *obj = NULL;
	json_object *last = NULL;

	if (json_parse_text(text, len, &obj, why) < 0)
		return -1;
	if (!json_object_is_type(obj, json_type_object)) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "it is not a JSON object");
		return -1;
	}
	if (json_object_object_get_ex(obj, RECORD_FILE_LAST_PROBE, &last))
		json_object_get(last);
	json_object_object_del(obj, RECORD_FILE_LAST_PROBE);
	if (host_record_from_json(obj, rec, why) < 0) {
		json_object_put(last);
		return -1;
	}
	if (last_probe)
		*last_probe = last;
	else
		json_object_put(last);
	if (record_json)
		*record_json = steal_ptr(obj);
	return 0;
}

int record_file_read(const char *path, struct host_record *rec, json_object **record_json,
		     json_object **last_probe, char why[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	/* This host's record-path: the ownership rule of every trusted path;
	 * errno EPERM when that rule, not the file's content, refuses it. */
	if (trusted_path_read_file(path, 0, HOST_RECORD_MAX_BYTES, &text, &len, why) < 0)
		return -1;
	return record_file_parse(text, len, rec, record_json, last_probe, why);
}
