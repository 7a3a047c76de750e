/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inspects: an event (or a sync) names a container; we ask the engine what
 * it is now and bind that in the registry from the time of the event.
 *
 * At most one inspect per container is under way, so results apply in
 * order: an event for a container already being inspected is remembered on
 * its job (another inspect afterwards, or a stop time) rather than racing
 * it. A few inspects run at once; the rest wait in a queue.
 */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

#define SW_ENGINE_MAX_IN_FLIGHT 8
#define SW_ENGINE_MAX_PODS 4096	/* pod names cached */
#define SW_ENGINE_TRIES 3	/* inspects of one container failing in a row before giving up */

void sw_engine_problem(struct sw_engine *e, const char *fmt, ...)
{
	va_list ap;

	e->st.errors++;
	if (e->err_set)
		return;
	va_start(ap, fmt);
	vsnprintf(e->err.msg, sizeof(e->err.msg), fmt, ap);
	va_end(ap);
	e->err.code = SW_EXIT_RUNTIME;
	e->err_set = true;
}

static void sw_engine_notify(struct sw_engine *e, enum sw_engine_ev_kind kind, const char *uid,
			     const char *name, const struct sw_workload *w, uint64_t event_us)
{
	struct sw_engine_change c = {
		.kind = kind, .uid = uid, .name = name, .w = w, .event_us = event_us,
		.applied_us = sw_clock_wall_us(),
	};

	if (e->notify)
		e->notify(&c, e->notify_arg);
}

/* Release @id if we bound it. */
static void sw_engine_release(struct sw_engine *e, const char *id, uint64_t t_us)
{
	struct sw_idnode *n = sw_idset_find(&e->running, id);
	char *name;

	if (!n)
		return;
	name = n->name;
	n->name = NULL;		/* keep it for the notice */
	sw_registry_stop(e->reg, SW_WL_SRC_ENGINE, id, t_us);
	sw_idset_del(&e->running, id);
	e->st.stops++;
	sw_engine_notify(e, SW_ENGINE_EV_STOP, id, name, NULL, t_us);
	free(name);
}

/*
 * When the addresses became this container's: the event that asked, unless
 * the container started after it. Docker sends a network's connect before
 * its container's start, and the inspect that connect asks for waits for the
 * start to finish: its addresses served nobody before State.StartedAt.
 */
static uint64_t sw_job_bind_time(const struct sw_engine *e, const struct sw_job *j)
{
	uint64_t started = j->ctr.started_us;

	if (j->event_us)
		return started > j->event_us && started <= e->now_us ? started : j->event_us;
	if (sw_idset_find(&e->running, j->id))
		return e->now_us;	/* a resync: keep what is bound as it is */
	return started && started <= e->now_us ? started : e->now_us;
}

static uint64_t sw_fp_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ULL;
	return h;
}

static uint64_t sw_fp_str(uint64_t h, const char *s)
{
	return sw_fp_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* What a re-inspect must differ in to be news (FNV-1a over every field). */
static uint64_t sw_workload_fingerprint(const struct sw_workload *w)
{
	uint64_t h = sw_fp_str(1469598103934665603ULL, w->name);

	h = sw_fp_str(h, w->namespace);
	h = sw_fp_str(h, w->iface);
	h = sw_fp_bytes(h, &w->ifindex, sizeof(w->ifindex));
	h = sw_fp_bytes(h, &w->netns, sizeof(w->netns));
	for (size_t i = 0; i < w->n_labels; i++)
		h = sw_fp_str(sw_fp_str(h, w->labels[i].key), w->labels[i].value);
	h = sw_fp_bytes(h, w->addrs, w->n_addrs * sizeof(*w->addrs));
	return sw_fp_bytes(h, w->macs, w->n_macs * sizeof(*w->macs));
}

/*
 * The container's network namespace, by inode: the kernel's view names the
 * same namespace "netns:<inode>", and the registry merges the two on it.
 */
static void sw_job_find_netns(struct sw_job *j)
{
	struct stat st;
	char path[64];

	if (j->ctr.pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", j->ctr.pid);
	if (stat(path, &st) == 0)
		j->ctr.w.netns = (uint64_t)st.st_ino;
}

static void sw_job_find_veth(struct sw_engine *e, struct sw_job *j)
{
	struct sw_workload *w = &j->ctr.w;
	char ifname[IF_NAMESIZE];

	sw_job_find_netns(j);
	if (j->ctr.pid <= 0 || w->iface || !sw_engine_veth_find(j->ctr.pid, w, ifname, &w->ifindex))
		return;
	if ((w->iface = strdup(ifname)))
		e->st.veth_found++;
	else
		w->ifindex = 0;
}

/*
 * Bind the inspected container, unless it is bound already exactly so (a
 * resync, a replayed event), and apply a stop that came meanwhile.
 */
static void sw_job_apply(struct sw_engine *e, struct sw_job *j)
{
	struct sw_workload *w = &j->ctr.w;
	struct sw_idnode *n = sw_idset_find(&e->running, j->id);
	uint64_t fp, t = sw_job_bind_time(e, j);
	bool known = n != NULL;

	sw_job_find_veth(e, j);
	fp = sw_workload_fingerprint(w);
	if (!known || n->tag != fp) {
		if (!sw_registry_upsert(e->reg, w, t) ||
		    !(n = sw_idset_put(&e->running, j->id, w->name, NULL))) {
			sw_engine_problem(e, "engine: out of memory binding container %s", w->name);
			return;
		}
		n->tag = fp;
		e->st.upserts++;
		if (!known)
			e->st.containers++;
		sw_engine_notify(e, SW_ENGINE_EV_START, j->id, w->name, w, j->event_us ? t : 0);
	}
	if (j->stop_us)
		sw_engine_release(e, j->id, j->stop_us);
}

static void sw_job_unlink(struct sw_engine *e, struct sw_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		e->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	sw_idset_del(&e->by_id, j->id);
	sw_engine_container_clear(&j->ctr);
	free(j);
}

static void sw_job_enqueue(struct sw_engine *e, struct sw_job *j)
{
	j->qnext = NULL;
	if (e->qtail)
		e->qtail->qnext = j;
	else
		e->qhead = j;
	e->qtail = j;
}

static void sw_engine_pump(struct sw_engine *e);

/* The inspect (and pod lookup) is over: run it again if asked, else forget it. */
static void sw_job_finish(struct sw_engine *e, struct sw_job *j)
{
	j->in_flight = false;
	e->in_flight--;
	if (j->sync) {
		j->sync = false;
		e->sync_pending--;
	}
	sw_engine_container_clear(&j->ctr);
	if (j->retry) {
		j->retry = false;
		sw_job_enqueue(e, j);
	} else if (j->again) {
		j->again = false;
		j->event_us = j->again_us;
		j->again_us = 0;
		j->stop_us = 0;
		sw_job_enqueue(e, j);
	} else {
		sw_job_unlink(e, j);
	}
}

static void sw_job_end(struct sw_engine *e, struct sw_job *j)
{
	sw_job_finish(e, j);
	sw_engine_pump(e);
}

static void sw_job_pod_done(struct sw_http_req *r, void *arg)
{
	struct sw_job *j = arg;
	struct sw_engine *e = j->e;
	char doc[160], why[320], *name = NULL;
	struct sw_err err;

	e->st.requests++;
	snprintf(doc, sizeof(doc), "/libpod/pods/%s/json", j->ctr.pod_id);
	if (r->result != CURLE_OK || r->status != 200) {
		sw_http_describe(r, why, sizeof(why));
		if (r->status != 404)	/* the pod went away: no name, not a fault */
			sw_engine_problem(e, "engine: GET %s: %s", doc, why);
	} else if (sw_engine_parse_pod(r->body.p, r->body.len, doc, &name, &err)) {
		sw_engine_problem(e, "%s", err.msg);
	} else {
		if (e->pods.count < SW_ENGINE_MAX_PODS)	/* beyond: asked each time */
			sw_idset_put(&e->pods, j->ctr.pod_id, name, NULL);
		j->ctr.w.namespace = name;	/* handed over */
	}
	sw_job_apply(e, j);
	sw_job_end(e, j);
}

/* A Podman pod member: name the pod (cached) as the namespace. True if a lookup started. */
static bool sw_job_want_pod(struct sw_engine *e, struct sw_job *j)
{
	struct sw_idnode *pod;
	char path[256];

	if (!j->ctr.pod_id || j->ctr.w.namespace || !e->libpod[0] ||
	    !sw_engine_id_ok(j->ctr.pod_id))
		return false;
	pod = sw_idset_find(&e->pods, j->ctr.pod_id);
	if (pod) {
		j->ctr.w.namespace = pod->name ? strdup(pod->name) : NULL;
		return false;
	}
	snprintf(path, sizeof(path), "%s/pods/%s/json", e->libpod, j->ctr.pod_id);
	return sw_http_get(e->http, path, false, sw_job_pod_done, j) != NULL;
}

/* The stop time of a container the engine says is not running (or gone). */
static uint64_t sw_job_stop_time(const struct sw_engine *e, const struct sw_job *j)
{
	if (j->stop_us)
		return j->stop_us;
	if (j->ctr.finished_us && j->ctr.finished_us <= e->now_us)
		return j->ctr.finished_us;
	return j->event_us ? j->event_us : e->now_us;
}

static void sw_job_inspect_done(struct sw_http_req *r, void *arg)
{
	struct sw_job *j = arg;
	struct sw_engine *e = j->e;
	const char *doc = r->path + strlen(e->api);	/* "/containers/ID/json" */
	char why[320];
	struct sw_err err;

	e->st.requests++;
	if (e->libpod[0])
		doc = r->path + strlen(e->libpod) - strlen("/libpod");
	if (r->result == CURLE_OK && r->status == 404) {
		sw_engine_release(e, j->id, sw_job_stop_time(e, j));	/* removed already */
	} else if (r->result != CURLE_OK || r->status != 200) {
		sw_http_describe(r, why, sizeof(why));
		sw_engine_problem(e, "engine: GET %s: %s", doc, why);
		/* a busy or restarting engine: try again (a new event would anyway) */
		j->retry = !j->again && ++j->tries < SW_ENGINE_TRIES;
	} else if (sw_engine_parse_inspect(r->body.p, r->body.len, doc, &j->ctr, &err)) {
		sw_engine_problem(e, "%s", err.msg);
	} else if (!j->ctr.running) {
		sw_engine_release(e, j->id, sw_job_stop_time(e, j));
	} else if (!j->ctr.infra) {
		if (sw_job_want_pod(e, j))
			return;	/* sw_job_pod_done finishes */
		sw_job_apply(e, j);
	}
	sw_job_end(e, j);
}

static void sw_engine_pump(struct sw_engine *e)
{
	struct sw_job *j;
	char path[256];

	while (e->qhead && e->in_flight < SW_ENGINE_MAX_IN_FLIGHT) {
		j = e->qhead;
		e->qhead = j->qnext;
		if (!e->qhead)
			e->qtail = NULL;
		if (e->libpod[0])
			snprintf(path, sizeof(path), "%s/containers/%s/json", e->libpod, j->id);
		else
			snprintf(path, sizeof(path), "%s/containers/%s/json", e->api, j->id);
		j->in_flight = true;
		e->in_flight++;
		if (!sw_http_get(e->http, path, false, sw_job_inspect_done, j)) {
			sw_engine_problem(e, "engine: cannot start GET %s (out of memory?)", path);
			j->again = j->retry = false;
			sw_job_finish(e, j);
		}
	}
}

void sw_engine_want(struct sw_engine *e, const char *id, uint64_t event_us, bool sync)
{
	struct sw_idnode *n = sw_idset_find(&e->by_id, id);
	struct sw_job *j = n ? n->ptr : NULL;

	if (j) {
		if (sync && !j->sync) {
			j->sync = true;	/* a sync waits for it too (open returns after it) */
			e->sync_pending++;
		}
		if (sync)
			return;	/* the pending inspect is recent enough */
		if (!j->in_flight) {
			if (!j->event_us)
				j->event_us = event_us;
			return;
		}
		if (!j->again || !j->again_us)
			j->again_us = event_us;
		j->again = true;	/* what it saw may predate this event */
		return;
	}
	if (!(j = calloc(1, sizeof(*j))) || !sw_idset_put(&e->by_id, id, NULL, j)) {
		free(j);
		sw_engine_problem(e, "engine: out of memory queueing container %s", id);
		return;
	}
	snprintf(j->id, sizeof(j->id), "%s", id);
	j->event_us = event_us;
	j->sync = sync;
	j->e = e;
	if (sync)
		e->sync_pending++;
	j->next = e->jobs;
	if (e->jobs)
		e->jobs->prev = j;
	e->jobs = j;
	sw_job_enqueue(e, j);
	sw_engine_pump(e);
}

void sw_engine_stop_event(struct sw_engine *e, const char *id, uint64_t t_us)
{
	struct sw_idnode *n = sw_idset_find(&e->by_id, id);
	struct sw_job *j = n ? n->ptr : NULL;

	if (!j) {
		sw_engine_release(e, id, t_us);
		return;
	}
	if (!j->stop_us)
		j->stop_us = t_us;	/* die, stop, remove: the first is the truest */
}

void sw_engine_jobs_free(struct sw_engine *e)
{
	while (e->jobs)
		sw_job_unlink(e, e->jobs);
	e->qhead = e->qtail = NULL;
	e->in_flight = 0;
}
