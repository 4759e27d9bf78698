/* The VMM model (see seoib/vmm.h): how this host's QEMU chooses a guest's
 * Directed EOI state, derived from what the VMM probe found. Pure. */
#include <stdio.h>
#include <string.h>

#include "seoib/config.h"
#include "seoib/json_util.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

static const char *const vmm_model_table[VMM_MODEL_COUNT] = {
	[VMM_MODEL_NONE] = "none",
	[VMM_MODEL_AUTOMATIC] = "automatic",
	[VMM_MODEL_PROPERTY] = "property",
};

static const char *const vmm_location_table[VMM_LOCATION_COUNT] = {
	[VMM_LOCATION_ACCEL] = "accelerator",
	[VMM_LOCATION_MACHINE] = "machine",
	[VMM_LOCATION_CPU] = "cpu",
};

DEFINE_STRING_TABLE_LOOKUP(vmm_model, enum vmm_model)
DEFINE_STRING_TABLE_LOOKUP(vmm_location, enum vmm_location)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

enum vmm_location vmm_location_of_type(const char *qom_type)
{
	/* QEMU names accelerator classes "<name>-accel" (ACCEL_CLASS_SUFFIX)
	 * and machine classes "<name>-machine" (TYPE_MACHINE_SUFFIX). */
	if (ends_with(qom_type, "-accel"))
		return VMM_LOCATION_ACCEL;
	if (ends_with(qom_type, "-machine"))
		return VMM_LOCATION_MACHINE;
	return VMM_LOCATION_CPU;
}

/* controls[0] is "<qom type>.<property>"; versioned machine types contain
 * dots ("pc-q35-11.0-machine") and the control names seoib looks for do
 * not, so split at the last one. */
static bool property_from_control(struct vmm_info *info)
{
	const char *control = info->controls[0];
	const char *dot = strrchr(control, '.');
	size_t len;

	if (info->n_controls < 1 || !dot || dot == control || !dot[1])
		return false;
	len = (size_t)(dot - control);
	if (len >= sizeof(info->property.qom_type))
		return false;
	memcpy(info->property.qom_type, control, len);
	info->property.qom_type[len] = '\0';
	snprintf(info->property.name, sizeof(info->property.name), "%s", dot + 1);
	info->property.location = vmm_location_of_type(info->property.qom_type);
	return true;
}

void vmm_model_derive(const struct vmm_options *opts, struct vmm_info *info)
{
	bool has_property = info->found && property_from_control(info);

	info->model = has_property ? VMM_MODEL_PROPERTY : VMM_MODEL_NONE;
	info->model_configured = opts->override_model;
	if (!opts->override_model || !info->found)
		return;
	if (opts->model == VMM_MODEL_PROPERTY && !has_property) {
		sentence_format(info->error, sizeof(info->error),
			 "vmm-model = property in %s, but QEMU %s at %s has none of the vmm-control properties; "
			 "taking it as stock QEMU (model none): fix vmm-control or vmm-model",
			 SEOIB_CONFIG_PATH, info->version, info->path);
		return;
	}
	info->model = opts->model;
}

bool vmm_sets_flags(const struct vmm_info *info)
{
	return info->found && info->model != VMM_MODEL_NONE;
}

/* ---- in the host record: vmm.model, vmm.model_configured, vmm.property ---- */

bool vmm_property_settable_from_xml(const struct vmm_property *p)
{
	return p->location == VMM_LOCATION_MACHINE || p->location == VMM_LOCATION_CPU;
}

void vmm_model_add_json(json_object *vmm, const struct vmm_info *info)
{
	const struct vmm_property *p = &info->property;
	json_object *prop = NULL;

	json_add(vmm, "model", json_object_new_string(vmm_model_to_string(info->model)));
	json_add(vmm, "model_configured", json_object_new_boolean(info->model_configured));
	if (info->model == VMM_MODEL_PROPERTY) {
		prop = json_object_new_object();
		json_add(prop, "qom_type", json_object_new_string(p->qom_type));
		json_add(prop, "name", json_object_new_string(p->name));
		json_add(prop, "location", json_object_new_string(vmm_location_to_string(p->location)));
		json_add(prop, "value_type", p->value_type[0] ? json_object_new_string(p->value_type) : NULL);
		json_add(prop, "default", p->default_value[0] ? json_object_new_string(p->default_value) : NULL);
		json_add(prop, "settable_from_xml", json_object_new_boolean(vmm_property_settable_from_xml(p)));
	}
	json_add(vmm, "property", prop);
}

static int read_property(struct json_reader *r, json_object *vmm, struct vmm_property *p)
{
	json_object *o;
	char location[32];
	int l;

	if (json_read_object(r, vmm, "property", &o) < 0)
		return -1;
	json_reader_push(r, "property");
	if (json_read_string(r, o, "qom_type", p->qom_type, sizeof(p->qom_type)) < 0 ||
	    json_read_string(r, o, "name", p->name, sizeof(p->name)) < 0 ||
	    json_read_string(r, o, "location", location, sizeof(location)) < 0 ||
	    json_read_optional_string(r, o, "value_type", p->value_type, sizeof(p->value_type)) < 0 ||
	    json_read_optional_string(r, o, "default", p->default_value, sizeof(p->default_value)) < 0)
		return -1;
	l = vmm_location_from_string(location);
	if (l < 0)
		return json_reader_fail(r, "location", "is not accelerator, machine or cpu");
	p->location = l;
	json_reader_pop(r);
	return 0;
}

int vmm_model_read_json(struct json_reader *r, json_object *vmm, struct vmm_info *info)
{
	struct vmm_options none = {0};
	json_object *model;
	char name[32];
	int m;

	/* Written before the VMM model existed: the model those writers
	 * meant, derived as the probe does (a control is a property). */
	if (json_read_optional(r, vmm, "model", &model) < 0)
		return -1;
	if (!model) {
		vmm_model_derive(&none, info);
		return 0;
	}
	if (json_read_string(r, vmm, "model", name, sizeof(name)) < 0 ||
	    json_read_bool(r, vmm, "model_configured", &info->model_configured) < 0)
		return -1;
	m = vmm_model_from_string(name);
	if (m < 0)
		return json_reader_fail(r, "model", "is not none, automatic or property");
	info->model = m;
	if (m == VMM_MODEL_PROPERTY)
		return read_property(r, vmm, &info->property);
	return 0;
}
