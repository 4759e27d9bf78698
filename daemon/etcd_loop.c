/* etcd_loop.h: libcurl multi on sd-event. libcurl tells us which sockets to
 * watch for what (on_socket) and when to call it back (on_curl_timer); we
 * tell it what happened with curl_multi_socket_action() and collect
 * finished transfers with curl_multi_info_read(). */
#include <errno.h>
#include <stdlib.h>

#include "etcd_loop.h"
#include "log.h"
#include "seoib/cleanup.h"
#include "seoib/json_util.h"

struct etcd_loop {
	sd_event *event;
	CURLM *multi;
	CURL *easy;                  /* reused by every POST: one call at a time */
	sd_event_source *timer;      /* libcurl's single timeout */
	struct etcd_client *client;
	struct etcd_exchange *x;     /* the call in flight, NULL when idle */
	etcd_loop_done_fn done;
	void *userdata;
};

static void finish_call(struct etcd_loop *l)
{
	_cleanup_json_ json_object *reply = NULL;
	char err[SEOIB_MESSAGE_MAX] = "";
	int r = etcd_exchange_result(l->x, &reply, err);

	etcd_exchange_free(steal_ptr(l->x));
	l->done(r, reply, err, l->userdata); /* may start the next call */
}

/* Finished transfers: on to the exchange's next POST, or its end. */
static void collect_finished(struct etcd_loop *l)
{
	CURLMsg *msg;
	int left;

	while (l->x && (msg = curl_multi_info_read(l->multi, &left))) {
		CURLcode rc = msg->data.result;
		CURL *next;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_multi_remove_handle(l->multi, msg->easy_handle); /* msg is invalid from here */
		etcd_exchange_done(l->x, rc);
		next = etcd_exchange_next(l->x);
		if (next && curl_multi_add_handle(l->multi, next) == CURLM_OK)
			continue;
		finish_call(l);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct etcd_loop *l = userdata;
	int mask = 0, running;

	if (revents & EPOLLIN)
		mask |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		mask |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		mask |= CURL_CSELECT_ERR;
	/* May remove this very source (CURL_POLL_REMOVE): sd-event allows
	 * unref from within a source's own callback. */
	curl_multi_socket_action(l->multi, fd, mask, &running);
	collect_finished(l);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct etcd_loop *l = userdata;
	int running;

	curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	collect_finished(l);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: socketp is the socket's io source, if any. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct etcd_loop *l = userp;
	sd_event_source *io = socketp;
	uint32_t events = 0;

	if (what == CURL_POLL_REMOVE) {
		curl_multi_assign(l->multi, fd, NULL);
		sd_event_source_disable_unref(io);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	if (io)
		return sd_event_source_set_io_events(io, events) < 0 ? -1 : 0;
	if (sd_event_add_io(l->event, &io, fd, events, on_io, l) < 0)
		return -1;
	curl_multi_assign(l->multi, fd, io);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 = none; 0 = as soon as possible, but not from
 * here (libcurl must not be re-entered from its own callback). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct etcd_loop *l = userp;

	if (timeout_ms < 0)
		return sd_event_source_set_enabled(l->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
	if (sd_event_source_set_time_relative(l->timer, (uint64_t)timeout_ms * 1000) < 0)
		return -1;
	return sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
}

int etcd_loop_new(sd_event *event, struct etcd_client *client, struct etcd_loop **out)
{
	struct etcd_loop *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->client = client;
	l->event = sd_event_ref(event);
	l->multi = curl_multi_init();
	l->easy = curl_easy_init();
	if (!l->multi || !l->easy) {
		etcd_loop_free(l);
		return -ENOMEM;
	}
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	r = sd_event_add_time(event, &l->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, l);
	if (r >= 0)
		r = sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
	if (r >= 0) /* libcurl's timeouts are in ms; sd-event's default slack is 250 ms */
		r = sd_event_source_set_time_accuracy(l->timer, 1000);
	if (r < 0) {
		etcd_loop_free(l);
		return r;
	}
	*out = l;
	return 0;
}

int etcd_loop_call(struct etcd_loop *l, const char *path, json_object *request, etcd_loop_done_fn done,
		   void *userdata)
{
	CURL *easy;

	if (l->x)
		return -EBUSY;
	l->x = etcd_exchange_new(l->client, l->easy, path, request);
	easy = l->x ? etcd_exchange_next(l->x) : NULL;
	if (!easy || curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
		etcd_exchange_free(steal_ptr(l->x));
		return -ENOMEM;
	}
	l->done = done;
	l->userdata = userdata;
	return 0; /* adding the handle armed on_curl_timer: the POST starts from the loop */
}

bool etcd_loop_busy(const struct etcd_loop *l)
{
	return l->x != NULL;
}

void etcd_loop_free(struct etcd_loop *l)
{
	if (!l)
		return;
	if (l->x) {
		curl_multi_remove_handle(l->multi, l->easy);
		etcd_exchange_free(l->x);
	}
	if (l->multi)
		curl_multi_cleanup(l->multi); /* closes the cached connections through on_socket */
	if (l->easy)
		curl_easy_cleanup(l->easy);
	sd_event_source_disable_unref(l->timer);
	sd_event_unref(l->event);
	free(l);
}
