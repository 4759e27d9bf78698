/* host-summary RECORD-FILE: print the listing summary seoibd publishes
 * beside that host record (host_summary_from_record(), one line of JSON),
 * so that bench/fleet-load.py loads what real publishers put. */
#include <stdio.h>
#include <stdlib.h>

#include "seoib/host_summary.h"
#include "seoib/json_util.h"

int main(int argc, char **argv)
{
	struct host_record *rec = malloc(sizeof(*rec));
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX];
	json_object *o;

	if (argc != 2 || !rec) {
		fprintf(stderr, "usage: host-summary RECORD-FILE\n");
		return 2;
	}
	if (host_record_load(argv[1], rec, err) < 0) {
		fprintf(stderr, "host-summary: %s\n", err);
		return 1;
	}
	host_summary_from_record(rec, &sum);
	o = host_summary_to_json(&sum);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	free(rec);
	return 0;
}
