/* seoibd's storm watcher: the running guests exposed to the interrupt
 * storm (storm_guest_exposed()), sampled through the libvirt watcher's
 * connection on its thread, judged by the recogniser (lib/watch/storm.c),
 * reported from the sd-event loop (docs/seoibd.md, "Storm watch").
 *
 * Two threads, one lock. The libvirt thread adds and drops guests (from
 * the libvirt watcher's lifecycle events) and samples them when the loop
 * asks; the loop owns the 1 s timer, which exists only while at least one
 * exposed guest runs, and says what changed: journal, D-Bus, files. Each
 * thread wakes the other through an eventfd; neither ever waits on the
 * other's work. It never acts on a guest. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "seoib/guest_facts.h"
#include "seoib/host_view.h"
#include "seoib/states.h"

struct seoibd;
struct storm_watch;

/* Guests and vCPUs watched at most: bounds the memory (one
 * struct storm_window, about 3 KiB, per vCPU). */
#define STORM_WATCH_GUESTS_MAX 1024
#define STORM_WATCH_VCPUS_MAX 512
#define STORM_WATCH_INTERVAL_USEC (1000 * 1000)

/* Loop side. new: NULL with a logged sentence when it cannot start. */
struct storm_watch *storm_watch_new(struct seoibd *d);
void storm_watch_free(struct storm_watch *sw);
/* Publish the Storms property and StormChanged signal on d->bus. */
int storm_watch_bus_start(struct storm_watch *sw);

/* libvirt thread side. attach (the thread starts): answer sample requests
 * in libvirt's event loop; detach (it ends): stop answering, forget every
 * guest; forget_all (before a connection closes): drop every guest, whose
 * domain objects belong to that connection. All accept NULL. */
void storm_watch_attach(struct storm_watch *sw, virConnectPtr *conn);
void storm_watch_detach(struct storm_watch *sw);
void storm_watch_forget_all(struct storm_watch *sw);
/* A guest started, arrived or resumed: watch it if exposed. state: the
 * one it runs in, STATE_UNKNOWN when nothing could tell. host: this host's
 * view (host_view_local()), NULL when no record could be read. */
void storm_watch_guest(struct storm_watch *sw, virDomainPtr dom, const struct guest_facts *facts, enum seoib_state state,
		       const struct host_view *host);
/* A guest stopped, crashed or left: stop watching it. */
void storm_watch_gone(struct storm_watch *sw, virDomainPtr dom);
