/* org.seoib1.Host on the system bus, one vtable in hostnamed's style:
 * properties and method handlers next to each other. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest_audit.h"
#include "log.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoibd.h"

static int property_host_record(sd_bus *bus, const char *path, const char *interface, const char *property,
				sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;

	return sd_bus_message_append(reply, "s", d->published ? d->published : "");
}

static int property_generation(sd_bus *bus, const char *path, const char *interface, const char *property,
			       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;

	return sd_bus_message_append(reply, "s", generation_to_string(d->record_json ? d->record->claims.generation
										     : GEN_UNKNOWN));
}

static int property_supported_states(sd_bus *bus, const char *path, const char *interface, const char *property,
				     sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;
	unsigned states = d->record_json ? d->record->runnable_states : 0;
	int r = sd_bus_message_open_container(reply, 'a', "s");

	for (int s = 0; r >= 0 && s < STATE_COUNT; s++)
		if (states & STATE_BIT(s))
			r = sd_bus_message_append(reply, "s", state_to_string(s));
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

/* {state: proof} in the vocabulary of docs/behaviour.md; every state is
 * "not-run" before the first record. */
static int property_behaviour_proof(sd_bus *bus, const char *path, const char *interface, const char *property,
				    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;
	int r = sd_bus_message_open_container(reply, 'a', "{ss}");

	for (int s = 0; r >= 0 && s < STATE_COUNT; s++)
		r = sd_bus_message_append(reply, "{ss}", state_to_string(s),
					  proof_to_string(d->record_json ? d->record->behaviour.proof[s] : PROOF_NOT_RUN));
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_last_probe_time(sd_bus *bus, const char *path, const char *interface, const char *property,
				    sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;

	return sd_bus_message_append(reply, "t", d->last.time_usec);
}

static int property_last_probe_status(sd_bus *bus, const char *path, const char *interface,
				      const char *property, sd_bus_message *reply, void *userdata,
				      sd_bus_error *error)
{
	struct seoibd *d = userdata;

	return sd_bus_message_append(reply, "s", probe_run_status_to_string(d->last.status));
}

/* Root only: a probe creates VMs and spawns QEMU, so an unprivileged peer
 * must not be able to make us do it in a loop. The bus policy
 * (org.seoib1.conf) says so too; this check holds where a policy is missing. */
static int method_reprobe(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	struct seoibd *d = userdata;
	uid_t euid;
	int r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &euid);
	if (r < 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "cannot tell who asked for a re-probe (%s); only root may ask", strerror(-r));
	if (euid != 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "only root may ask seoibd to re-probe; run 'seoibctl reprobe' as root");
	r = bus_wait_for_probe(d, m);
	if (r < 0)
		return r;
	daemon_request_probe(d, "Reprobe() on the bus");
	return 1; /* answered by bus_answer_waiting() when the probe ends */
}

/* Root only, as libvirt's qemu:///system is: the audit names every guest of
 * this host and what its operator acknowledged. */
static int method_audit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	struct seoibd *d = userdata;
	_cleanup_free_ char *json = NULL;
	uid_t euid;
	int r;

	r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
	if (r >= 0)
		r = sd_bus_creds_get_euid(creds, &euid);
	if (r < 0 || euid != 0)
		return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
					 "only root may read seoibd's audit of this host's guests; run 'seoibctl audit' as root");
	if (!d->audit)
		return sd_bus_error_setf(error, SEOIB_BUS_ERROR_NO_AUDIT,
					 "seoibd audits no guests: libvirt-uri is empty in seoib.conf");
	json = guest_audit_json(d->audit);
	if (!json)
		return sd_bus_error_setf(error, SEOIB_BUS_ERROR_NO_AUDIT,
					 "seoibd has no audit yet: libvirt at %s has not answered; see seoibd's journal",
					 d->cfg.libvirt_uri);
	return sd_bus_reply_method_return(m, "s", json);
}

static const sd_bus_vtable host_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("HostRecord", "s", property_host_record, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Generation", "s", property_generation, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("SupportedStates", "as", property_supported_states, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("BehaviourProof", "a{ss}", property_behaviour_proof, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastProbeTime", "t", property_last_probe_time, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("LastProbeStatus", "s", property_last_probe_status, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("Reprobe", "", "", method_reprobe, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Audit", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", audit), method_audit,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS("Decide", SD_BUS_ARGS("s", domain_xml, "as", target_records),
				SD_BUS_RESULT("s", decision_json), decide_method, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

int bus_start(struct seoibd *d)
{
	int r = sd_bus_open_system(&d->bus); /* honours DBUS_SYSTEM_BUS_ADDRESS */

	if (r < 0) {
		log_error("cannot connect to the system bus: %s; start dbus, or run seoibd --no-bus", strerror(-r));
		return r;
	}
	r = decide_start(d);
	if (r < 0)
		return r;
	r = sd_bus_add_object_vtable(d->bus, NULL, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, host_vtable, d);
	if (r >= 0)
		r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0) {
		log_error("cannot publish %s on the system bus: %s", SEOIB_BUS_PATH, strerror(-r));
		return r;
	}
	r = sd_bus_request_name(d->bus, SEOIB_BUS_NAME, 0);
	if (r < 0)
		log_error("cannot own the bus name %s: %s; stop the other seoibd, or install the bus policy /usr/share/dbus-1/system.d/org.seoib1.conf",
			  SEOIB_BUS_NAME, strerror(-r));
	return r;
}

void bus_emit_changed(struct seoibd *d)
{
	if (!d->bus)
		return;
	sd_bus_emit_properties_changed(d->bus, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, "HostRecord", "Generation",
				       "SupportedStates", "BehaviourProof", "LastProbeTime", "LastProbeStatus", NULL);
}

int bus_wait_for_probe(struct seoibd *d, sd_bus_message *m)
{
	sd_bus_message **grown = realloc(d->waiting, (d->n_waiting + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	d->waiting = grown;
	d->waiting[d->n_waiting++] = sd_bus_message_ref(m);
	return 0;
}

static void answer(struct seoibd *d, sd_bus_message *m)
{
	switch (d->last.status) {
	case PROBE_RUN_OK:
		sd_bus_reply_method_return(m, "");
		break;
	case PROBE_RUN_TIMEOUT:
		sd_bus_reply_method_errorf(m, SEOIB_BUS_ERROR_PROBE_TIMEOUT, "%s", d->last.message);
		break;
	default:
		sd_bus_reply_method_errorf(m, SEOIB_BUS_ERROR_PROBE_FAILED, "%s", d->last.message);
		break;
	}
}

/* A Reprobe() that arrived during a probe waits for the probe after it
 * (daemon_request_probe() queues one), so it never gets a stale answer. */
void bus_answer_waiting(struct seoibd *d)
{
	if (d->reprobe_pending)
		return;
	for (size_t i = 0; i < d->n_waiting; i++) {
		answer(d, d->waiting[i]);
		sd_bus_message_unref(d->waiting[i]);
	}
	free(d->waiting);
	d->waiting = NULL;
	d->n_waiting = 0;
}

void bus_stop(struct seoibd *d)
{
	for (size_t i = 0; i < d->n_waiting; i++)
		sd_bus_message_unref(d->waiting[i]);
	free(d->waiting);
	decide_stop(d);
	d->bus = sd_bus_flush_close_unref(d->bus);
}
