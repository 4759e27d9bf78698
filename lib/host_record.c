/* STUB: being written. */
#include <string.h>
#include "seoib/host_record.h"

json_object *host_record_to_json(const struct host_record *rec) { return json_object_new_object(); }
int host_record_from_json(json_object *obj, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]) { return -1; }
int host_record_from_string(const char *text, size_t len, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]) { return -1; }
int host_record_load(const char *path, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]) { return -1; }
int64_t host_record_age(const struct host_record *rec, int64_t now) { return now - rec->probe_time; }
