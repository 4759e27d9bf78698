/* Reads a domain XML, asks the guest's own QEMU (qemu_guest_facts()) and
 * prints the question, the answer and the facts as JSON, so the vmm suite
 * tests lib/vmm/qemu_guest_query.c without seoibctl's argument parsing.
 * Usage: guest-query-test [--cache DIR] [--kvm-device PATH] [--timeout MS]
 *                         [--cache-only] XML */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_facts_qemu.h"
#include "seoib/qemu_question.h"

DEFINE_TRIVIAL_CLEANUP(json_object *, json_object_put)

static const char *status_string(enum qemu_answer_status s)
{
	switch (s) {
	case QEMU_ANSWER_NOT_ASKED:
		return "not-asked";
	case QEMU_ANSWER_FAILED:
		return "failed";
	case QEMU_ANSWER_REFUSED:
		return "refused";
	case QEMU_ANSWER_ANSWERED:
		return "answered";
	}
	return "?";
}

static json_object *answer_json(const struct qemu_question *q, const struct qemu_guest_answer *a)
{
	json_object *o = json_object_new_object();
	char question[8192];

	qemu_question_string(q, a->kvm, question, sizeof(question));
	json_object_object_add(o, "question", json_object_new_string(question));
	json_object_object_add(o, "cannot_ask", json_object_new_string(q->cannot_ask));
	json_object_object_add(o, "status", json_object_new_string(status_string(a->status)));
	json_object_object_add(o, "emulator", json_object_new_string(a->emulator));
	json_object_object_add(o, "version", json_object_new_string(a->version));
	json_object_object_add(o, "accel", json_object_new_string(a->kvm ? "kvm" : "tcg"));
	json_object_object_add(o, "from_cache", json_object_new_boolean(a->from_cache));
	json_object_object_add(o, "machine", json_object_new_string(a->machine));
	json_object_object_add(o, "irqchip", json_object_new_string(!a->irqchip_known ? "unknown"
								   : a->lapic_userspace ? "userspace"
								   : a->irqchip_split ? "split" : "in-kernel"));
	json_object_object_add(o, "ioapic_version", json_object_new_int((int)a->ioapic_version));
	json_object_object_add(o, "x2apic", a->x2apic < 0 ? NULL : json_object_new_boolean(a->x2apic));
	json_object_object_add(o, "refusal", json_object_new_string(a->refusal));
	json_object_object_add(o, "why", json_object_new_string(a->why));
	json_object_object_add(o, "source", json_object_new_string(a->source));
	json_object_object_add(o, "cache_note", json_object_new_string(a->cache_note));
	return o;
}

static json_object *facts_json(const struct guest_facts *f)
{
	json_object *o = json_object_new_object();
	char version[16];

	snprintf(version, sizeof(version), f->ioapic_unknown ? "unknown" : "0x%x", f->ioapic_version);
	json_object_object_add(o, "machine", json_object_new_string(f->machine));
	json_object_object_add(o, "irqchip", json_object_new_string(guest_facts_irqchip_string(f)));
	json_object_object_add(o, "irqchip_why", json_object_new_string(f->irqchip_why));
	json_object_object_add(o, "ioapic_version", json_object_new_string(version));
	json_object_object_add(o, "ioapic_why", json_object_new_string(f->ioapic_why));
	json_object_object_add(o, "x2apic", f->x2apic == X2APIC_UNKNOWN ? NULL
										 : json_object_new_boolean(f->x2apic == X2APIC_PRESENT));
	json_object_object_add(o, "x2apic_why", json_object_new_string(f->x2apic_why));
	json_object_object_add(o, "facts_source", json_object_new_string(guest_facts_source(f)));
	return o;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'C' },
		{ "kvm-device", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cache-only", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct qemu_guest_query_options opts = { 0 };
	_cleanup_free_ struct qemu_question *q = calloc(1, sizeof(*q));
	_cleanup_free_ struct qemu_guest_answer *a = calloc(1, sizeof(*a));
	_cleanup_free_ struct guest_facts *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *xml = NULL;
	_cleanup_(json_object_putp) json_object *out = json_object_new_object();
	char err[SEOIB_MESSAGE_MAX];
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			opts.cache_dir = optarg;
			break;
		case 'k':
			opts.kvm_device = optarg;
			break;
		case 't':
			opts.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			opts.cache_only = true;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || !q || !a || !f) {
		fprintf(stderr, "usage: guest-query-test [--cache DIR] [--kvm-device PATH] [--timeout MS] [--cache-only] XML\n");
		return 2;
	}
	if (read_file_bounded(argv[optind], GUEST_XML_MAX, &xml, &len, err) < 0 ||
	    guest_facts_from_xml(xml, len, f, err) < 0) {
		fprintf(stderr, "guest-query-test: %s\n", err);
		return 2;
	}
	qemu_question_from_xml(xml, len, q);
	qemu_guest_ask(q, &opts, a);
	guest_facts_apply_qemu_answer(f, a);
	json_object_object_add(out, "answer", answer_json(q, a));
	json_object_object_add(out, "facts", facts_json(f));
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}
