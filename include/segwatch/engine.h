/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_ENGINE_H
#define SEGWATCH_ENGINE_H

/*
 * engine - workload identity from a container engine: the Docker Engine API
 * on a unix socket, which Docker and Podman (`podman system service`) both
 * serve. sw_engine_open() lists the running containers and feeds the
 * registry; sw_engine_poll() then follows the /events stream without ever
 * blocking, so a capture loop can call it between packets.
 *
 * Errors say what and where: `engine: /containers/ID/json: /State/Pid:
 * error: expected an integer, got a string`, `engine: /events: 1:12: error:
 * ...` for JSON syntax. The library never prints.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/workload.h>

/* Container ids are hex; Docker and Podman use 64 digits. */
#define SW_ENGINE_ID_MAX 128

/* A container as one inspect describes it. */
struct sw_engine_container {
	struct sw_workload w;	/* source SW_WL_SRC_ENGINE, uid = full id */
	int pid;		/* State.Pid; 0 when not running */
	bool running;		/* State.Running */
	bool infra;		/* Podman pod infra container (IsInfra): plumbing, not a workload */
	uint64_t started_us;	/* State.StartedAt, wall clock; 0 when unknown */
	uint64_t finished_us;	/* State.FinishedAt; 0 when unknown */
	char *pod_id;		/* libpod "Pod"; NULL when none */
};

/* sw_engine_container_clear - free what @c owns; safe on a zeroed struct. */
void sw_engine_container_clear(struct sw_engine_container *c);

/**
 * sw_engine_parse_inspect - GET /containers/{id}/json (Docker, Podman compat
 * or libpod) to a container
 * @json: @len bytes, need not be NUL-terminated
 * @where: names the document in messages, e.g. "/containers/abc/json"; may be NULL
 * @out: filled on success (clear it with sw_engine_container_clear); zeroed on failure
 *
 * name is Name without its leading '/'; labels are Config.Labels; namespace
 * is the com.docker.compose.project label when present (the engine client
 * fills in a Podman pod name); addresses and MACs come from
 * NetworkSettings and each of NetworkSettings.Networks, empty strings meaning
 * none. Returns SW_EXIT_OK, SW_EXIT_USAGE for a malformed document,
 * SW_EXIT_RUNTIME when memory runs out.
 */
int sw_engine_parse_inspect(const char *json, size_t len, const char *where,
			    struct sw_engine_container *out, struct sw_err *err);

/* What an event means for identity. */
enum sw_engine_ev_kind {
	SW_ENGINE_EV_IGNORE = 0,	/* create, exec_*, kill (a signal is not a death), ... */
	SW_ENGINE_EV_START,		/* start: inspect and bind its addresses */
	SW_ENGINE_EV_CHANGE,		/* restart, rename, network connect/disconnect: inspect again */
	SW_ENGINE_EV_STOP,		/* die, stop, destroy/remove: release its addresses */
};

struct sw_engine_event {
	enum sw_engine_ev_kind kind;
	char type[16];			/* "container", "network", ... (truncated) */
	char action[32];		/* "start", "die", ... (truncated) */
	char id[SW_ENGINE_ID_MAX + 1];	/* the container; "" when the event names none */
	char name[128];			/* Actor.Attributes.name when given (truncated) */
	uint64_t time_us;		/* timeNano (or time) in microseconds */
};

/**
 * sw_engine_parse_event - one message of the /events stream
 *
 * Container events name the container in Actor.ID (or the legacy "id");
 * network events in Actor.Attributes.container (Docker) or Actor.ID
 * (Podman). Returns SW_EXIT_OK or SW_EXIT_USAGE with @err naming the fault.
 */
int sw_engine_parse_event(const char *json, size_t len, struct sw_engine_event *out,
			  struct sw_err *err);

/* sw_engine_ev_kind_name - "start", "stop", ...; never NULL. */
const char *sw_engine_ev_kind_name(enum sw_engine_ev_kind k);

/**
 * sw_engine_socket_detect - the first engine socket that exists
 * @buf: receives the path
 *
 * Tries $DOCKER_HOST when it is unix://PATH, /var/run/docker.sock,
 * /run/podman/podman.sock, then $XDG_RUNTIME_DIR/podman/podman.sock.
 * Returns SW_EXIT_OK or SW_EXIT_RUNTIME (none found; @err lists the tries).
 */
int sw_engine_socket_detect(char *buf, size_t size, struct sw_err *err);

struct sw_engine;

struct sw_engine_stats {
	uint64_t containers;	/* containers bound in the registry (again after each restart) */
	uint64_t events;	/* events received */
	uint64_t upserts;	/* registry updates from inspects */
	uint64_t stops;		/* containers released */
	uint64_t requests;	/* HTTP requests completed */
	uint64_t errors;	/* failed requests, HTTP errors, bad JSON, dropped stream */
	uint64_t reconnects;	/* events stream restarts */
	uint64_t veth_found;	/* host-side veth resolved */
	bool connected;		/* an events stream is open now */
};

/* A change the engine applied to the registry, for live display and tests. */
struct sw_engine_change {
	enum sw_engine_ev_kind kind;	/* SW_ENGINE_EV_START (bound or rebound) or _STOP */
	const char *uid;
	const char *name;		/* may be NULL for a stop */
	const struct sw_workload *w;	/* START: what was bound; NULL for STOP */
	uint64_t event_us;		/* when the engine says it happened: the event's time,
					 * or StartedAt when the container started after
					 * it (Docker's connect precedes the start); 0: sync */
	uint64_t applied_us;		/* when the registry learnt it (wall clock) */
};

typedef void (*sw_engine_change_fn)(const struct sw_engine_change *c, void *arg);

/**
 * sw_engine_open - connect to a container engine and load what runs now
 * @out: the new engine on success
 * @socket_path: the unix socket; NULL auto-detects (sw_engine_socket_detect)
 * @reg: the registry to feed (not owned; must outlive the engine)
 * @err: filled on failure
 *
 * Asks /version (Docker or Podman, which API version), starts the events
 * stream, then lists the running containers and inspects each one, waiting
 * at most a few seconds. Every container is upserted with source
 * SW_WL_SRC_ENGINE from its start time; its host-side veth is found when
 * the process may enter the container's network namespace.
 * Returns SW_EXIT_OK or SW_EXIT_RUNTIME (no socket, engine not answering).
 */
int sw_engine_open(struct sw_engine **out, const char *socket_path, struct sw_registry *reg,
		   struct sw_err *err);

/**
 * sw_engine_fd - a descriptor that becomes readable when sw_engine_poll has work
 *
 * An epoll descriptor holding the engine's sockets and timer: put it in the
 * caller's poll set, or just call sw_engine_poll every 100 ms or so.
 */
int sw_engine_fd(const struct sw_engine *e);

/**
 * sw_engine_poll - handle what arrived, never waiting
 * @now_us: wall clock in microseconds (reconnection back-off)
 *
 * Applies events to the registry (a start is inspected first), reconnects a
 * dropped stream with back-off and then lists the containers again. Returns
 * SW_EXIT_OK, or SW_EXIT_RUNTIME with @err describing the first problem of
 * this call (a failed request, a dropped stream); the engine keeps working
 * either way and counts the problem in its stats.
 */
int sw_engine_poll(struct sw_engine *e, uint64_t now_us, struct sw_err *err);

/* sw_engine_set_notify - call @fn for every change applied from now on; NULL stops. */
void sw_engine_set_notify(struct sw_engine *e, sw_engine_change_fn fn, void *arg);

void sw_engine_get_stats(const struct sw_engine *e, struct sw_engine_stats *st);

/* sw_engine_socket - the socket in use. sw_engine_server - e.g. "Podman Engine 4.3.1 (API 1.41)". */
const char *sw_engine_socket(const struct sw_engine *e);
const char *sw_engine_server(const struct sw_engine *e);

/* sw_engine_close - stop following events and free; NULL is fine. The registry is untouched. */
void sw_engine_close(struct sw_engine *e);

#endif
