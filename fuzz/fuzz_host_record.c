/* libFuzzer target: the host record JSON parser (lib/record/host_record.c), which
 * reads records from peers over SSH, from etcd and from files, and the
 * envelope of the record file under /run (lib/record/record_file.c) around it. */
#include <stdint.h>
#include <stdlib.h>

#include "seoib/host_record.h"
#include "seoib/record_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	if (rec) {
		json_object *record_json = NULL, *last_probe = NULL;

		host_record_from_string((const char *)data, size, rec, err);
		if (record_file_parse((const char *)data, size, rec, &record_json, &last_probe, err) == 0) {
			json_object_put(record_json);
			json_object_put(last_probe);
		}
		free(rec);
	}
	return 0;
}
