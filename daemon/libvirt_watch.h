/* seoibd's libvirt watcher: writes the state each running guest really
 * runs in into its seoib metadata, so that it travels with every
 * migration without `seoibctl apply` (docs/seoibd.md, "libvirt"). */
#pragma once

struct libvirt_watch;
struct guest_audit;
struct storm_watch;

/* Start watching libvirt at `uri` ("" = off: returns NULL) on a thread of
 * its own running libvirt's default event loop (virEventRegisterDefaultImpl:
 * libvirt's callbacks never run on sd-event's thread, so nothing is shared
 * but the files it reads: this host's record at record_path and the hook's
 * per-domain records). It connects, and reconnects with a backoff, by
 * itself: libvirt absent or restarting is a logged state, not an error.
 * With `audit` (the caller's, kept until libvirt_watch_stop(); NULL: none)
 * it also audits every guest on that thread after each domain event and
 * each change of this host's record (at most once a second), and every
 * 60 s (guest_audit.h). */
/* storm (may be NULL): told of every guest that starts, arrives, resumes
 * or stops, and sampled on this thread (storm_watch.h). */
struct libvirt_watch *libvirt_watch_start(const char *uri, const char *record_path, unsigned max_record_age_s,
					  struct guest_audit *audit,
					  struct storm_watch *storm);

/* Stop the thread (bounded: the loop wakes every second) and free. */
void libvirt_watch_stop(struct libvirt_watch *w);
