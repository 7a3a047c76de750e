/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine documents to segwatch records: container inspect (Docker, Podman's
 * Docker-compatible API and libpod), events, container lists, /version and
 * Podman pods. Pure functions: no socket, no registry, no clock.
 *
 * Shapes: Docker Engine API ContainerInspectResponse, EventMessage and
 * SystemVersion (docs.docker.com/reference/api/engine), and what Podman 4.3
 * returns for the same paths (tests/engine/fixtures/ holds real examples).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_COMPOSE_PROJECT "com.docker.compose.project"

void sw_engine_container_clear(struct sw_engine_container *c)
{
	if (!c)
		return;
	sw_workload_clear(&c->w);
	free(c->pod_id);
	memset(c, 0, sizeof(*c));
}

const char *sw_engine_ev_kind_name(enum sw_engine_ev_kind k)
{
	static const char *const names[] = {
		[SW_ENGINE_EV_IGNORE] = "ignore",
		[SW_ENGINE_EV_START] = "start",
		[SW_ENGINE_EV_CHANGE] = "change",
		[SW_ENGINE_EV_STOP] = "stop",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

/* One address member ("IPAddress", "GlobalIPv6Address") of @obj; "" means none. */
static int sw_inspect_addr(struct sw_jctx *c, json_t *obj, const char *key, struct sw_workload *w)
{
	const char *s;
	uint8_t a[16];
	char q[96];
	size_t mark;
	int rc = sw_jget_str(c, obj, key, false, &s);

	if (rc || !s || !*s)
		return rc;
	if (!sw_addr_parse(s, a)) {
		mark = sw_jctx_push(c, key);
		rc = sw_jctx_fail(c, "not an IP address %s", sw_quote(q, sizeof(q), s));
		sw_jctx_pop(c, mark);
		return rc;
	}
	return sw_workload_add_addr(w, a) ? SW_EXIT_OK : sw_jctx_oom(c);
}

static int sw_inspect_mac(struct sw_jctx *c, json_t *obj, struct sw_workload *w)
{
	const char *s;
	uint8_t m[6];
	char q[96];
	size_t mark;
	int rc = sw_jget_str(c, obj, "MacAddress", false, &s);

	if (rc || !s || !*s)
		return rc;
	if (!sw_mac_parse(s, m)) {
		mark = sw_jctx_push(c, "MacAddress");
		rc = sw_jctx_fail(c, "not a MAC address %s", sw_quote(q, sizeof(q), s));
		sw_jctx_pop(c, mark);
		return rc;
	}
	return sw_workload_add_mac(w, m) ? SW_EXIT_OK : sw_jctx_oom(c);
}

/* IPv4, IPv6 and MAC of one endpoint: NetworkSettings itself or one of its Networks. */
static int sw_inspect_endpoint(struct sw_jctx *c, json_t *obj, struct sw_workload *w)
{
	int rc = sw_inspect_addr(c, obj, "IPAddress", w);

	if (!rc)
		rc = sw_inspect_addr(c, obj, "GlobalIPv6Address", w);
	if (!rc)
		rc = sw_inspect_mac(c, obj, w);
	return rc;
}

static int sw_inspect_networks(struct sw_jctx *c, json_t *root, struct sw_workload *w)
{
	json_t *ns, *nets, *net;
	const char *name;
	size_t m0, m1, m2;
	int rc;

	if ((rc = sw_jget_obj(c, root, "NetworkSettings", false, &ns)) || !ns)
		return rc;
	m0 = sw_jctx_push(c, "NetworkSettings");
	rc = sw_inspect_endpoint(c, ns, w);
	if (!rc)
		rc = sw_jget_obj(c, ns, "Networks", false, &nets);
	if (!rc && nets) {
		m1 = sw_jctx_push(c, "Networks");
		json_object_foreach(nets, name, net) {
			m2 = sw_jctx_push(c, name);
			if (json_is_object(net))
				rc = sw_inspect_endpoint(c, net, w);
			else if (!json_is_null(net))
				rc = sw_jctx_fail(c, "expected an object, got %s", sw_jtype_name(net));
			sw_jctx_pop(c, m2);
			if (rc)
				break;
		}
		sw_jctx_pop(c, m1);
	}
	sw_jctx_pop(c, m0);
	return rc;
}

static int sw_inspect_labels(struct sw_jctx *c, json_t *root, struct sw_workload *w)
{
	json_t *cfg, *labels, *v;
	const char *key;
	size_t m0, m1, m2;
	int rc;

	if ((rc = sw_jget_obj(c, root, "Config", false, &cfg)) || !cfg)
		return rc;
	m0 = sw_jctx_push(c, "Config");
	rc = sw_jget_obj(c, cfg, "Labels", false, &labels);
	if (!rc && labels) {
		m1 = sw_jctx_push(c, "Labels");
		json_object_foreach(labels, key, v) {
			m2 = sw_jctx_push(c, key);
			if (!json_is_string(v))
				rc = sw_jctx_fail(c, "label value: expected a string, got %s",
						  sw_jtype_name(v));
			else if (!sw_workload_add_label(w, key, json_string_value(v)))
				rc = sw_jctx_oom(c);
			sw_jctx_pop(c, m2);
			if (rc)
				break;
		}
		sw_jctx_pop(c, m1);
	}
	sw_jctx_pop(c, m0);
	return rc;
}

static int sw_inspect_time(struct sw_jctx *c, json_t *state, const char *key, uint64_t *out)
{
	const char *s;
	char q[96];
	size_t mark;
	int rc = sw_jget_str(c, state, key, false, &s);

	*out = 0;
	if (rc || !s || sw_rfc3339_us(s, out))
		return rc;
	mark = sw_jctx_push(c, key);
	rc = sw_jctx_fail(c, "not an RFC 3339 time %s", sw_quote(q, sizeof(q), s));
	sw_jctx_pop(c, mark);
	return rc;
}

static int sw_inspect_pid(struct sw_jctx *c, json_t *state, int *out)
{
	json_int_t pid;
	size_t mark;
	int rc = sw_jget_int(c, state, "Pid", false, &pid, NULL);

	if (rc)
		return rc;
	if (pid < 0 || pid > INT32_MAX) {
		mark = sw_jctx_push(c, "Pid");
		rc = sw_jctx_fail(c, "not a process id: %lld", (long long)pid);
		sw_jctx_pop(c, mark);
		return rc;
	}
	*out = (int)pid;
	return SW_EXIT_OK;
}

static int sw_inspect_state(struct sw_jctx *c, json_t *root, struct sw_engine_container *out)
{
	json_t *state;
	size_t mark;
	int rc;

	if ((rc = sw_jget_obj(c, root, "State", true, &state)))
		return rc;
	mark = sw_jctx_push(c, "State");
	if (!(rc = sw_jget_bool(c, state, "Running", &out->running)) &&
	    !(rc = sw_inspect_pid(c, state, &out->pid)) &&
	    !(rc = sw_inspect_time(c, state, "StartedAt", &out->started_us)))
		rc = sw_inspect_time(c, state, "FinishedAt", &out->finished_us);
	sw_jctx_pop(c, mark);
	return rc;
}

/* Id, Name, and the libpod extras Pod and IsInfra. */
static int sw_inspect_ident(struct sw_jctx *c, json_t *root, struct sw_engine_container *out)
{
	const char *id, *name, *pod;
	char q[96];
	size_t mark;
	int rc;

	if ((rc = sw_jget_str(c, root, "Id", true, &id)))
		return rc;
	if (!sw_engine_id_ok(id)) {
		mark = sw_jctx_push(c, "Id");
		rc = sw_jctx_fail(c, "not a container id %s", sw_quote(q, sizeof(q), id));
		sw_jctx_pop(c, mark);
		return rc;
	}
	if ((rc = sw_jget_str(c, root, "Name", false, &name)) ||
	    (rc = sw_jget_str(c, root, "Pod", false, &pod)) ||
	    (rc = sw_jget_bool(c, root, "IsInfra", &out->infra)))
		return rc;
	if (name && name[0] == '/')
		name++;
	out->w.uid = strdup(id);
	/* a container always has a name; fall back on the short id rather than fail */
	out->w.name = name && *name ? strdup(name) : strndup(id, 12);
	out->pod_id = pod && *pod ? strdup(pod) : NULL;
	if (!out->w.uid || !out->w.name || (pod && *pod && !out->pod_id))
		return sw_jctx_oom(c);
	return SW_EXIT_OK;
}

int sw_engine_parse_inspect(const char *json, size_t len, const char *where,
			    struct sw_engine_container *out, struct sw_err *err)
{
	struct sw_jctx c;
	const char *project;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	out->w.source = SW_WL_SRC_ENGINE;
	sw_jctx_init(&c, where ? where : "inspect", err);
	if (!(root = sw_jctx_load(&c, json, len)))
		return SW_EXIT_USAGE;
	if (!json_is_object(root))
		rc = sw_jctx_fail(&c, "expected an object, got %s", sw_jtype_name(root));
	else if (!(rc = sw_inspect_ident(&c, root, out)) && !(rc = sw_inspect_state(&c, root, out)) &&
		 !(rc = sw_inspect_labels(&c, root, &out->w)))
		rc = sw_inspect_networks(&c, root, &out->w);
	json_decref(root);
	project = rc ? NULL : sw_workload_label(&out->w, SW_COMPOSE_PROJECT);
	if (project && *project && !(out->w.namespace = strdup(project)))
		rc = sw_jctx_oom(&c);
	if (rc)
		sw_engine_container_clear(out);
	return rc;
}

/* --- events --- */

static enum sw_engine_ev_kind sw_event_classify(const char *type, const char *action)
{
	static const struct {
		const char *type, *action;
		enum sw_engine_ev_kind kind;
	} table[] = {
		{ "container", "start", SW_ENGINE_EV_START },
		{ "container", "restart", SW_ENGINE_EV_CHANGE },
		{ "container", "rename", SW_ENGINE_EV_CHANGE },
		{ "container", "die", SW_ENGINE_EV_STOP },
		{ "container", "died", SW_ENGINE_EV_STOP },
		{ "container", "stop", SW_ENGINE_EV_STOP },
		{ "container", "destroy", SW_ENGINE_EV_STOP },	/* Docker */
		{ "container", "remove", SW_ENGINE_EV_STOP },	/* Podman */
		{ "network", "connect", SW_ENGINE_EV_CHANGE },
		{ "network", "disconnect", SW_ENGINE_EV_CHANGE },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(type, table[i].type) == 0 && strcmp(action, table[i].action) == 0)
			return table[i].kind;
	return SW_ENGINE_EV_IGNORE;
}

static void sw_copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Type and Action, falling back on the pre-1.22 "status" form. */
static int sw_event_what(struct sw_jctx *c, json_t *root, const char **type, const char **action)
{
	const char *status;
	int rc;

	if ((rc = sw_jget_str(c, root, "Type", false, type)) ||
	    (rc = sw_jget_str(c, root, "Action", false, action)) ||
	    (rc = sw_jget_str(c, root, "status", false, &status)))
		return rc;
	if (!*action)
		*action = status;
	if (!*action)
		return sw_jctx_fail(c, "missing \"Action\"");
	if (!*type)
		*type = "container";
	return SW_EXIT_OK;
}

/* The container the event is about: Actor.ID, "id", or a network event's container attribute. */
static int sw_event_subject(struct sw_jctx *c, json_t *root, struct sw_engine_event *out)
{
	const char *id = NULL, *legacy, *name = NULL, *ctr = NULL;
	json_t *actor, *attrs = NULL;
	char q[96];
	size_t m0, m1;
	int rc;

	if ((rc = sw_jget_obj(c, root, "Actor", false, &actor)) ||
	    (rc = sw_jget_str(c, root, "id", false, &legacy)))
		return rc;
	if (actor) {
		m0 = sw_jctx_push(c, "Actor");
		rc = sw_jget_str(c, actor, "ID", false, &id);
		if (!rc)
			rc = sw_jget_obj(c, actor, "Attributes", false, &attrs);
		if (!rc && attrs) {
			m1 = sw_jctx_push(c, "Attributes");
			if (!(rc = sw_jget_str(c, attrs, "name", false, &name)))
				rc = sw_jget_str(c, attrs, "container", false, &ctr);
			sw_jctx_pop(c, m1);
		}
		sw_jctx_pop(c, m0);
		if (rc)
			return rc;
	}
	if (!id || !*id)
		id = legacy;
	if (strcmp(out->type, "network") == 0)
		id = ctr && *ctr ? ctr : id;	/* Docker: attribute; Podman: Actor.ID */
	if (out->kind != SW_ENGINE_EV_IGNORE) {
		if (!id || !*id)
			return sw_jctx_fail(c, "%s %s event names no container", out->type,
					    out->action);
		if (!sw_engine_id_ok(id))
			return sw_jctx_fail(c, "not a container id %s", sw_quote(q, sizeof(q), id));
	}
	if (id && sw_engine_id_ok(id))
		sw_copy(out->id, sizeof(out->id), id);
	/* a network event's "name" is the network's (Docker) */
	if (strcmp(out->type, "container") == 0)
		sw_copy(out->name, sizeof(out->name), name);
	return SW_EXIT_OK;
}

static int sw_event_time(struct sw_jctx *c, json_t *root, uint64_t *out)
{
	json_int_t ns, s;
	bool has_ns, has_s;
	int rc;

	if ((rc = sw_jget_int(c, root, "timeNano", false, &ns, &has_ns)) ||
	    (rc = sw_jget_int(c, root, "time", false, &s, &has_s)))
		return rc;
	if (!has_ns && !has_s)
		return sw_jctx_fail(c, "missing \"timeNano\" and \"time\"");
	if ((has_ns && ns < 0) || (!has_ns && s < 0))
		return sw_jctx_fail(c, "negative event time");
	*out = has_ns ? (uint64_t)ns / 1000u : (uint64_t)s * 1000000u;
	return SW_EXIT_OK;
}

int sw_engine_parse_event(const char *json, size_t len, struct sw_engine_event *out,
			  struct sw_err *err)
{
	const char *type, *action;
	struct sw_jctx c;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	sw_jctx_init(&c, "/events", err);
	if (!(root = sw_jctx_load(&c, json, len)))
		return SW_EXIT_USAGE;
	if (!json_is_object(root)) {
		rc = sw_jctx_fail(&c, "expected an object, got %s", sw_jtype_name(root));
	} else if (!(rc = sw_event_what(&c, root, &type, &action))) {
		out->kind = sw_event_classify(type, action);
		sw_copy(out->type, sizeof(out->type), type);
		sw_copy(out->action, sizeof(out->action), action);
		if (!(rc = sw_event_subject(&c, root, out)))
			rc = sw_event_time(&c, root, &out->time_us);
	}
	json_decref(root);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* --- lists, versions, pods, error bodies --- */

void sw_engine_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
}

static int sw_list_entry(struct sw_jctx *c, json_t *item, char **id_out)
{
	const char *id;
	char q[96];
	int rc;

	if (!json_is_object(item))
		return sw_jctx_fail(c, "expected an object, got %s", sw_jtype_name(item));
	if ((rc = sw_jget_str(c, item, "Id", true, &id)))
		return rc;
	if (!sw_engine_id_ok(id))
		return sw_jctx_fail(c, "not a container id %s", sw_quote(q, sizeof(q), id));
	*id_out = strdup(id);
	return *id_out ? SW_EXIT_OK : sw_jctx_oom(c);
}

int sw_engine_parse_list(const char *json, size_t len, const char *doc, char ***ids, size_t *n,
			 struct sw_err *err)
{
	struct sw_jctx c;
	json_t *root, *item;
	char num[24];
	size_t i, mark;
	int rc = SW_EXIT_OK;

	*ids = NULL;
	*n = 0;
	sw_jctx_init(&c, doc, err);
	if (!(root = sw_jctx_load(&c, json, len)))
		return SW_EXIT_USAGE;
	if (!json_is_array(root))
		rc = sw_jctx_fail(&c, "expected an array, got %s", sw_jtype_name(root));
	else if (json_array_size(root) && !(*ids = calloc(json_array_size(root), sizeof(**ids))))
		rc = sw_jctx_oom(&c);
	for (i = 0; !rc && i < json_array_size(root); i++) {
		item = json_array_get(root, i);
		snprintf(num, sizeof(num), "%zu", i);
		mark = sw_jctx_push(&c, num);
		rc = sw_list_entry(&c, item, &(*ids)[i]);
		sw_jctx_pop(&c, mark);
		if (!rc)
			*n = i + 1;
	}
	json_decref(root);
	if (rc) {
		sw_engine_ids_free(*ids, *n);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

/* The Podman component, if any: its version and libpod API version. */
static int sw_version_podman(struct sw_jctx *c, json_t *root, struct sw_engine_version *out)
{
	json_t *comps = json_object_get(root, "Components"), *comp, *details;
	const char *name, *version, *api;
	size_t i;

	if (!json_is_array(comps))
		return SW_EXIT_OK;
	json_array_foreach(comps, i, comp) {
		name = json_string_value(json_object_get(comp, "Name"));
		if (!name || strcmp(name, "Podman Engine") != 0)
			continue;
		details = json_object_get(comp, "Details");
		api = json_string_value(json_object_get(details, "APIVersion"));
		version = json_string_value(json_object_get(comp, "Version"));
		if (!api || !*api || strspn(api, "0123456789.") != strlen(api) ||
		    strlen(api) >= sizeof(out->libpod_api))
			return sw_jctx_fail(c, "Podman Engine component without a usable "
					    "Details.APIVersion");
		out->podman = true;
		sw_copy(out->libpod_api, sizeof(out->libpod_api), api);
		snprintf(out->server, sizeof(out->server), "Podman Engine %s",
			 version ? version : api);
		break;
	}
	return SW_EXIT_OK;
}

static bool sw_api_version_ok(const char *v)
{
	size_t n = strlen(v);

	return n && n < 16 && strspn(v, "0123456789.") == n && strchr(v, '.');
}

int sw_engine_parse_version(const char *json, size_t len, struct sw_engine_version *out,
			    struct sw_err *err)
{
	const char *api, *min_api, *version;
	struct sw_jctx c;
	json_t *root;
	char q[96];
	int rc;

	memset(out, 0, sizeof(*out));
	sw_jctx_init(&c, "/version", err);
	if (!(root = sw_jctx_load(&c, json, len)))
		return SW_EXIT_USAGE;
	if (!json_is_object(root)) {
		rc = sw_jctx_fail(&c, "expected an object, got %s", sw_jtype_name(root));
	} else if (!(rc = sw_jget_str(&c, root, "ApiVersion", true, &api)) &&
		   !(rc = sw_jget_str(&c, root, "MinAPIVersion", false, &min_api)) &&
		   !(rc = sw_jget_str(&c, root, "Version", false, &version))) {
		if (!sw_api_version_ok(api) || (min_api && !sw_api_version_ok(min_api))) {
			rc = sw_jctx_fail(&c, "not an API version %s",
					  sw_quote(q, sizeof(q), sw_api_version_ok(api) ? min_api : api));
		} else {
			sw_copy(out->api, sizeof(out->api), api);
			sw_copy(out->min_api, sizeof(out->min_api), min_api);
			snprintf(out->server, sizeof(out->server), "Docker Engine %s",
				 version ? version : "(unknown version)");
			rc = sw_version_podman(&c, root, out);
		}
	}
	json_decref(root);
	return rc;
}

/* Printable ASCII only: a Server header goes into log lines. */
static void sw_copy_printable(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; src && *src && n + 1 < len; src++)
		dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	dst[n] = '\0';
}

int sw_engine_version_from_ping(const char *api, const char *libpod_api, const char *server,
				struct sw_engine_version *out, struct sw_err *err)
{
	char q[96];

	memset(out, 0, sizeof(*out));
	if (!api)
		return sw_err_set(err, SW_EXIT_USAGE, "/_ping: no Api-Version header");
	if (!sw_api_version_ok(api))
		return sw_err_set(err, SW_EXIT_USAGE, "/_ping: Api-Version: not an API version %s",
				  sw_quote(q, sizeof(q), api));
	if (libpod_api && !sw_api_version_ok(libpod_api))
		return sw_err_set(err, SW_EXIT_USAGE, "/_ping: Libpod-Api-Version: not an API "
				  "version %s", sw_quote(q, sizeof(q), libpod_api));
	sw_copy(out->api, sizeof(out->api), api);
	if (libpod_api) {
		out->podman = true;
		sw_copy(out->libpod_api, sizeof(out->libpod_api), libpod_api);
	}
	sw_copy_printable(out->server, sizeof(out->server), server ? server :
			  libpod_api ? "Podman" : "Docker Engine");
	return SW_EXIT_OK;
}

int sw_engine_parse_pod(const char *json, size_t len, const char *doc, char **name,
			struct sw_err *err)
{
	struct sw_jctx c;
	const char *s;
	json_t *root;
	int rc;

	*name = NULL;
	sw_jctx_init(&c, doc, err);
	if (!(root = sw_jctx_load(&c, json, len)))
		return SW_EXIT_USAGE;
	if (!json_is_object(root))
		rc = sw_jctx_fail(&c, "expected an object, got %s", sw_jtype_name(root));
	else if (!(rc = sw_jget_str(&c, root, "Name", true, &s)) && !(*name = strdup(s)))
		rc = sw_jctx_oom(&c);
	json_decref(root);
	return rc;
}

void sw_engine_error_message(const char *json, size_t len, char *buf, size_t size)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *msg = json_string_value(json_object_get(root, "message"));

	snprintf(buf, size, "%s", msg ? msg : "");
	json_decref(root);
}
