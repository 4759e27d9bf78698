/* etcd calls from seoibd's sd-event loop without ever blocking it: libcurl's
 * multi interface, its sockets watched by sd-event io sources
 * (CURLMOPT_SOCKETFUNCTION) and its timeouts by one sd-event timer
 * (CURLMOPT_TIMERFUNCTION), as in libcurl's "multi_socket" examples. The
 * call itself (authentication, endpoint failover, the reply's checks) is an
 * etcd_exchange of lib/fleet/etcd_client.c, the same one the blocking calls use. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "seoib/inventory.h"

struct etcd_loop;

/* r: 0 with reply (a JSON object, borrowed: valid during the callback only),
 * ETCD_UNREACHABLE or -1 with err (a sentence). Runs from the event loop,
 * never from inside etcd_loop_call(); it may start the next call. */
typedef void (*etcd_loop_done_fn)(int r, json_object *reply, const char *err, void *userdata);

/* client stays the caller's and must outlive the loop. Returns 0 or a
 * negative errno. */
int etcd_loop_new(sd_event *event, struct etcd_client *client, struct etcd_loop **out);
/* Starts one call (POST request to path); one at a time. Returns 0,
 * -EBUSY while a call is in flight, or -ENOMEM. Every POST is bounded by
 * the client's timeout_ms and connect_timeout_ms, per endpoint tried. */
int etcd_loop_call(struct etcd_loop *l, const char *path, json_object *request, etcd_loop_done_fn done,
		   void *userdata);
bool etcd_loop_busy(const struct etcd_loop *l);
/* Abandons a call in flight (its done() never runs) and frees the loop. */
void etcd_loop_free(struct etcd_loop *l);
