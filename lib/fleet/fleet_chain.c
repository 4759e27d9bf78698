/* The fleet chain (fleet_backend.h): the table of backends and the one
 * place that decides which of them answers. Adding a backend is its file,
 * one row here, and its test (docs/layout.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/etcd_client.h"
#include "seoib/fleet_backend.h"
#include "seoib/hostname.h"
#include "seoib/sentence.h"

_Static_assert(FLEET_UNREACHABLE == ETCD_UNREACHABLE, "the etcd backend answers lookup() with etcd_get()'s value");

const struct fleet_backend_ops *const fleet_backends[] = {
	&fleet_backend_etcd,
	&fleet_backend_ssh,
	&fleet_backend_file,
	NULL,
};

/* fleet-backends names each backend once at most. */
#define FLEET_CHAIN_MAX (sizeof(fleet_backends) / sizeof(fleet_backends[0]) - 1)

struct chain_link {
	const struct fleet_backend_ops *ops;
	void *state;
	bool opened;
};

struct fleet_chain {
	const struct seoib_config *cfg;
	struct chain_link links[FLEET_CHAIN_MAX];
	size_t n_links;
};

const struct fleet_backend_ops *fleet_backend_find(const char *name)
{
	for (size_t i = 0; fleet_backends[i]; i++)
		if (strcmp(fleet_backends[i]->name, name) == 0)
			return fleet_backends[i];
	return NULL;
}

bool fleet_walk_note_invalid(struct fleet_walk_result *res, const char *key, const char *why)
{
	struct fleet_invalid *grown = realloc(res->invalid, (res->n_invalid + 1) * sizeof(*grown));

	if (!grown)
		return false;
	res->invalid = grown;
	snprintf(grown[res->n_invalid].key, sizeof(grown->key), "%s", key);
	sentence_format(grown[res->n_invalid].why, sizeof(grown->why), "%s", why);
	res->n_invalid++;
	return true;
}

static int add_link(struct fleet_chain *chain, const char *name, char err[SEOIB_MESSAGE_MAX])
{
	const struct fleet_backend_ops *ops = fleet_backend_find(name);

	if (!ops) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "fleet-backends names '%s', which is no fleet backend; use etcd, "
				"ssh or file in seoib.conf", name);
		return -1;
	}
	for (size_t i = 0; i < chain->n_links; i++)
		if (chain->links[i].ops == ops) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "fleet-backends names '%s' twice; name each backend once, "
					"in the order to ask them", name);
			return -1;
		}
	chain->links[chain->n_links++].ops = ops;
	return 0;
}

static int chain_from_names(struct fleet_chain *chain, const char *names, char err[SEOIB_MESSAGE_MAX])
{
	char copy[sizeof(((struct seoib_config *)0)->fleet_backends)], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", names);
	for (char *name = strtok_r(copy, ", \t", &save); name; name = strtok_r(NULL, ", \t", &save))
		if (add_link(chain, name, err) < 0)
			return -1;
	if (chain->n_links == 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "fleet-backends is empty; name at least one of etcd, ssh, file in "
				"seoib.conf");
		return -1;
	}
	return 0;
}

int fleet_chain_new(const struct seoib_config *cfg, const char *record_file, struct fleet_chain **out,
		    char err[SEOIB_MESSAGE_MAX])
{
	struct fleet_chain *chain = calloc(1, sizeof(*chain));

	if (!chain) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory setting up the fleet backends");
		return -1;
	}
	chain->cfg = cfg;
	if (record_file) {
		/* The file named on the command line is the whole chain. */
		chain->links[0].ops = &fleet_backend_file;
		chain->n_links = 1;
		if (fleet_file_backend_one(record_file, &chain->links[0].state, err) < 0) {
			free(chain);
			return -1;
		}
		chain->links[0].opened = true;
	} else if (chain_from_names(chain, cfg->fleet_backends, err) < 0) {
		free(chain);
		return -1;
	}
	*out = chain;
	return 0;
}

int fleet_backends_check(const struct seoib_config *cfg, char err[SEOIB_MESSAGE_MAX])
{
	struct fleet_chain chain = {.cfg = cfg};

	return chain_from_names(&chain, cfg->fleet_backends, err);
}

void fleet_chain_free(struct fleet_chain *chain)
{
	if (!chain)
		return;
	for (size_t i = 0; i < chain->n_links; i++)
		if (chain->links[i].opened)
			chain->links[i].ops->close(chain->links[i].state);
	free(chain);
}

/* The link's backend, opened on first use. In the chain when the link's
 * backend is configured, or was named on the command line. */
static bool link_usable(const struct fleet_chain *chain, const struct chain_link *l)
{
	return l->opened || l->ops->configured(chain->cfg);
}

static int link_open(struct fleet_chain *chain, struct chain_link *l, char err[SEOIB_MESSAGE_MAX])
{
	if (!l->opened) {
		if (l->ops->open(chain->cfg, &l->state, err) < 0)
			return -1;
		l->opened = true;
	}
	return 0;
}

/* The seoib.conf key that sets up a backend (NULL: none needed). */
static const char *backend_key(const struct fleet_backend_ops *ops)
{
	return ops == &fleet_backend_etcd ? "etcd-endpoints" : ops == &fleet_backend_file ? "fleet-directory" : NULL;
}

static bool in_chain(const struct fleet_chain *chain, const struct fleet_backend_ops *ops)
{
	for (size_t i = 0; i < chain->n_links; i++)
		if (chain->links[i].ops == ops)
			return true;
	return false;
}

/* Why no backend of the chain can answer (walk: list the fleet; else find
 * hostname's record), and the fix that applies to this configuration: a
 * backend set up but not named in fleet-backends is to be named there (its
 * key is already set); otherwise the keys of the backends named. */
void fleet_chain_why_none(const struct fleet_chain *chain, bool walk, const char *hostname,
			  char err[SEOIB_MESSAGE_MAX])
{
	const char *names = chain->cfg->fleet_backends;
	char what[SEOIB_MESSAGE_MAX], keys[SEOIB_MESSAGE_MAX] = "";

	if (walk)
		sentence_format(what, sizeof(what), "no backend of fleet-backends = %s can list hosts", names);
	else
		sentence_format(what, sizeof(what), "no backend of fleet-backends = %s is configured to find %s's record",
				names, hostname);
	for (size_t i = 0; fleet_backends[i]; i++) {
		const struct fleet_backend_ops *ops = fleet_backends[i];

		if ((walk && !ops->walk) || in_chain(chain, ops) || !backend_key(ops) || !ops->configured(chain->cfg))
			continue;
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s; %s is set, but fleet-backends does not name %s: add it "
				"in seoib.conf (fleet-backends = %s,%s)", what, backend_key(ops), ops->name, names, ops->name);
		return;
	}
	for (size_t i = 0; i < chain->n_links; i++) {
		const struct fleet_backend_ops *ops = chain->links[i].ops;

		if ((!walk || ops->walk) && backend_key(ops))
			sentence_append(keys, sizeof(keys), " or ", backend_key(ops));
	}
	if (keys[0])
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s; set %s in seoib.conf", what, keys);
	else
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s; add etcd (with etcd-endpoints) or file (with fleet-directory) "
				"to fleet-backends in seoib.conf", what);
}

int fleet_chain_lookup(struct fleet_chain *chain, const char *hostname, struct host_record *rec, const char **from,
		       char err[SEOIB_MESSAGE_MAX])
{
	bool asked = false;

	*from = NULL;
	for (size_t i = 0; i < chain->n_links; i++) {
		struct chain_link *l = &chain->links[i];
		int r;

		if (!link_usable(chain, l))
			continue;
		asked = true;
		if (link_open(chain, l, err) < 0)
			return -1;
		r = l->ops->lookup(l->state, hostname, rec, err);
		if (r == FLEET_UNREACHABLE)
			continue; /* err names it; the next backend may answer */
		*from = l->ops->name;
		/* Absent is an answer: a host that vanished is unknown, never
		 * "ok" because another backend still has an old record. */
		return r == 1 ? 1 : r == 0 ? 0 : -1;
	}
	if (!asked)
		fleet_chain_why_none(chain, false, hostname, err);
	return -1;
}

const char *fleet_chain_walker(const struct fleet_chain *chain)
{
	for (size_t i = 0; i < chain->n_links; i++)
		if (chain->links[i].ops->walk && link_usable(chain, &chain->links[i]))
			return chain->links[i].ops->name;
	return NULL;
}

int fleet_chain_walk(struct fleet_chain *chain, bool want_records, fleet_summary_fn fn, void *userdata,
		     struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX])
{
	*res = (struct fleet_walk_result){0};
	for (size_t i = 0; i < chain->n_links; i++) {
		struct chain_link *l = &chain->links[i];

		if (!l->ops->walk || !link_usable(chain, l))
			continue;
		if (link_open(chain, l, err) < 0)
			return -1;
		return l->ops->walk(l->state, want_records, fn, userdata, res, err);
	}
	fleet_chain_why_none(chain, true, NULL, err);
	return -1;
}
