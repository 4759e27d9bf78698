/* The interrupt-storm recogniser (storm.h; the rule is docs/storm.md's). */
#include <string.h>

#include "seoib/storm.h"

void storm_window_reset(struct storm_window *w)
{
	memset(w, 0, sizeof(*w));
}

const struct storm_sample *storm_window_at(const struct storm_window *w, size_t i)
{
	if (i >= w->n)
		return NULL;
	return &w->s[(w->first + i) % STORM_WINDOW_MAX];
}

static const struct storm_sample *newest(const struct storm_window *w)
{
	return w->n ? storm_window_at(w, w->n - 1) : NULL;
}

/* Counters only grow while the vCPU lives: one that went back means the
 * vCPU (and its counters) was created again. */
static bool went_back(const struct storm_sample *a, const struct storm_sample *b)
{
	return b->t_ns <= a->t_ns || b->irq_injections < a->irq_injections || b->halt_exits < a->halt_exits ||
	       b->exits < a->exits || b->vcpu_time_ns < a->vcpu_time_ns ||
	       (a->have_returns && b->have_returns &&
		(b->fpu_reload < a->fpu_reload || b->io_exits < a->io_exits || b->mmio_exits < a->mmio_exits ||
		 b->signal_exits < a->signal_exits)) ||
	       (a->have_delay && b->have_delay && b->vcpu_delay_ns < a->vcpu_delay_ns);
}

static double per_s(uint64_t a, uint64_t b, double seconds)
{
	return (double)(b - a) / seconds;
}

void storm_rates_between(const struct storm_sample *a, const struct storm_sample *b, struct storm_rates *out)
{
	memset(out, 0, sizeof(*out));
	out->returns_per_s = -1;
	if (b->t_ns <= a->t_ns)
		return;
	out->seconds = (double)(b->t_ns - a->t_ns) / 1e9;
	out->injections_per_s = per_s(a->irq_injections, b->irq_injections, out->seconds);
	out->halts_per_s = per_s(a->halt_exits, b->halt_exits, out->seconds);
	out->exits_per_s = per_s(a->exits, b->exits, out->seconds);
	out->cpu = (double)(b->vcpu_time_ns - a->vcpu_time_ns) / (double)(b->t_ns - a->t_ns);
	/* A vCPU that never blocks either runs or waits for a host CPU: on a
	 * busy host its CPU time alone can be far below 1. */
	out->runnable = out->cpu;
	if (a->have_delay && b->have_delay)
		out->runnable += (double)(b->vcpu_delay_ns - a->vcpu_delay_ns) / (double)(b->t_ns - a->t_ns);
	if (a->have_returns && b->have_returns) {
		/* Returns the VMM asked for by I/O, MMIO or a signal are explained;
		 * the rest are the exits KVM makes on its own (on a split irqchip,
		 * KVM_EXIT_IOAPIC_EOI for every EOI of a level-triggered vector). */
		double all = (double)(b->fpu_reload - a->fpu_reload);
		double explained = (double)(b->io_exits - a->io_exits) + (double)(b->mmio_exits - a->mmio_exits) +
				   (double)(b->signal_exits - a->signal_exits);

		out->returns_per_s = all > explained ? (all - explained) / out->seconds : 0;
	}
}

bool storm_interval_stormy(const struct storm_rates *r)
{
	if (r->seconds <= 0 || r->injections_per_s < STORM_MIN_INJECTIONS_PER_S)
		return false;
	if (r->halts_per_s > STORM_MAX_HALTS_PER_INJECTION * r->injections_per_s)
		return false;
	if (r->runnable < STORM_MIN_RUNNABLE)
		return false;
	return r->returns_per_s < 0 || r->returns_per_s >= STORM_MIN_RETURNS_PER_INJECTION * r->injections_per_s;
}

/* One more interval through the rule's state machine. */
static void step(struct storm_window *w, const struct storm_sample *a, const struct storm_sample *b)
{
	struct storm_rates r;

	storm_rates_between(a, b, &r);
	if (storm_interval_stormy(&r)) {
		if (w->stormy_run++ == 0)
			w->run_start_ns = a->t_ns;
		w->calm_run = 0;
		if (!w->storming && w->stormy_run >= STORM_MIN_INTERVALS) {
			w->storming = true;
			w->storm_start_ns = w->run_start_ns;
		}
		return;
	}
	w->stormy_run = 0;
	if (++w->calm_run >= STORM_END_INTERVALS)
		w->storming = false;
}

void storm_window_push(struct storm_window *w, const struct storm_sample *s)
{
	const struct storm_sample *last = newest(w);

	if (last && went_back(last, s)) {
		storm_window_reset(w);
		last = NULL;
	}
	if (last)
		step(w, last, s);
	if (w->n == STORM_WINDOW_MAX) {
		w->first = (w->first + 1) % STORM_WINDOW_MAX;
		w->n--;
	}
	w->s[(w->first + w->n) % STORM_WINDOW_MAX] = *s;
	w->n++;
}

/* The oldest sample at or after t_ns (the storm's start, or the window's
 * oldest when the storm began before it). */
static const struct storm_sample *first_since(const struct storm_window *w, uint64_t t_ns)
{
	for (size_t i = 0; i < w->n; i++)
		if (storm_window_at(w, i)->t_ns >= t_ns)
			return storm_window_at(w, i);
	return newest(w);
}

bool storm_judge(const struct storm_window *w, struct storm_evidence *out)
{
	const struct storm_sample *last = newest(w);
	const struct storm_sample *from;
	const struct storm_rates *r = &out->rates;

	memset(out, 0, sizeof(*out));
	out->rates.returns_per_s = -1;
	if (w->n < 2) {
		sentence_format(out->summary, sizeof(out->summary), "not enough samples yet (%zu of at least 2)", w->n);
		return false;
	}
	out->storming = w->storming;
	from = w->storming ? first_since(w, w->storm_start_ns) : storm_window_at(w, w->n - 2);
	if (from == last)
		from = storm_window_at(w, w->n - 2);
	storm_rates_between(from, last, &out->rates);
	out->returns_known = out->rates.returns_per_s >= 0;
	if (w->storming) {
		out->duration_s = (double)(last->t_ns - w->storm_start_ns) / 1e9;
		sentence_format(out->summary, sizeof(out->summary),
				"for %.0f s, %.0f interrupt injections/s with %.0f halt exits/s, %.0f returns to the VMM/s%s, and the vCPU thread at %.0f %% of a CPU (runnable %.0f %% of the time)",
				out->duration_s, r->injections_per_s, r->halts_per_s, r->returns_per_s < 0 ? 0 : r->returns_per_s,
				out->returns_known ? "" : " (not counted by this kernel)", r->cpu * 100, r->runnable * 100);
	} else {
		sentence_format(out->summary, sizeof(out->summary),
				"calm: %.0f interrupt injections/s, %.0f halt exits/s, %.0f returns to the VMM/s%s, the vCPU thread at %.0f %% of a CPU (runnable %.0f %% of the time)",
				r->injections_per_s, r->halts_per_s, r->returns_per_s < 0 ? 0 : r->returns_per_s,
				out->returns_known ? "" : " (not counted by this kernel)", r->cpu * 100, r->runnable * 100);
	}
	return out->storming;
}
