/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPFIX encoding with libfixbuf: the information model (IANA's, reverse
 * elements under PEN 29305, and ours), the templates, and flow records in
 * IPFIX messages. The field list is docs/ipfix.md; keep the two together.
 *
 * libfixbuf writes each message to a FILE; ours is a cookie stream whose
 * write hands the message to the transport (transport.c), so the encoder
 * knows nothing of sockets and the transport nothing of templates.
 */
#define _GNU_SOURCE /* fopencookie */
#include <stdlib.h>
#include <string.h>

#include <segwatch/flow.h>

#include "fixbuf_api.h"
#include "internal.h"

_Static_assert(sizeof(struct sw_ipfix_rec) == 6 * 8 + 14 * sizeof(fbVarfield_t) + 32 + 16 + 8 + 8,
	       "struct sw_ipfix_rec has holes: the internal template would not match it");

/* Template selection bits (fbInfoElementSpec_t.flags): an entry is used when all its bits are asked. */
#define SW_T_V4 0x1u
#define SW_T_V6 0x2u
#define SW_T_BI 0x4u
#define SW_T_INTERNAL 0x8u	/* padding and both address families: the internal template only */
#define SW_T_ALL (SW_T_V4 | SW_T_V6 | SW_T_BI | SW_T_INTERNAL)

/* Our enterprise elements: numbers are an interface (docs/ipfix.md), never reused. */
enum {
	SW_IE_SRC_NAME = 1,
	SW_IE_DST_NAME = 2,
	SW_IE_SRC_NS = 3,
	SW_IE_DST_NS = 4,
	SW_IE_SRC_GROUPS = 5,
	SW_IE_DST_GROUPS = 6,
	SW_IE_RULE = 7,
	SW_IE_VERDICT = 8,
	SW_IE_COMMUNITY_ID = 9,
	SW_IE_SRC_KIND = 10,
	SW_IE_DST_KIND = 11,
	SW_IE_SRC_LABELS = 12,
	SW_IE_DST_LABELS = 13,
	SW_IE_STATE = 14,
};

static const struct {
	const char *name;
	uint16_t num;
	const char *desc;
} sw_ipfix_ents[] = {
	{ "sourceWorkloadName", SW_IE_SRC_NAME, "segwatch: workload name of the source" },
	{ "destinationWorkloadName", SW_IE_DST_NAME, "segwatch: workload name of the destination" },
	{ "sourceWorkloadNamespace", SW_IE_SRC_NS, "segwatch: namespace of the source workload" },
	{ "destinationWorkloadNamespace", SW_IE_DST_NS,
	  "segwatch: namespace of the destination workload" },
	{ "sourceEndpointKind", SW_IE_SRC_KIND,
	  "segwatch: workload, host, external, multicast or unspecified" },
	{ "destinationEndpointKind", SW_IE_DST_KIND,
	  "segwatch: workload, host, external, multicast or unspecified" },
	{ "sourceWorkloadLabels", SW_IE_SRC_LABELS, "segwatch: labels of the source, k=v,k=v" },
	{ "destinationWorkloadLabels", SW_IE_DST_LABELS,
	  "segwatch: labels of the destination, k=v,k=v" },
	{ "flowState", SW_IE_STATE, "segwatch: attempted, refused, established or closed" },
	{ "communityId", SW_IE_COMMUNITY_ID, "segwatch: Community ID v1 of the flow (seed 0)" },
	{ "sourceWorkloadGroup", SW_IE_SRC_GROUPS,
	  "segwatch: policy groups selecting the source, joined by +" },
	{ "destinationWorkloadGroup", SW_IE_DST_GROUPS,
	  "segwatch: policy groups selecting the destination, joined by +" },
	{ "policyRule", SW_IE_RULE, "segwatch: the rule that decided the flow, intra_group or default" },
	{ "policyVerdict", SW_IE_VERDICT, "segwatch: allowed, denied, monitored or unmanaged" },
};
#define SW_IPFIX_N_ENTS (sizeof(sw_ipfix_ents) / sizeof(sw_ipfix_ents[0]))

/* In struct sw_ipfix_rec order. */
static fbInfoElementSpec_t sw_ipfix_spec[] = {
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "reverseOctetDeltaCount", 8, SW_T_BI },
	{ "reversePacketDeltaCount", 8, SW_T_BI },
	{ "sourceWorkloadName", FB_IE_VARLEN, 0 },
	{ "destinationWorkloadName", FB_IE_VARLEN, 0 },
	{ "sourceWorkloadNamespace", FB_IE_VARLEN, 0 },
	{ "destinationWorkloadNamespace", FB_IE_VARLEN, 0 },
	{ "sourceEndpointKind", FB_IE_VARLEN, 0 },
	{ "destinationEndpointKind", FB_IE_VARLEN, 0 },
	{ "sourceWorkloadLabels", FB_IE_VARLEN, 0 },
	{ "destinationWorkloadLabels", FB_IE_VARLEN, 0 },
	{ "flowState", FB_IE_VARLEN, 0 },
	{ "communityId", FB_IE_VARLEN, 0 },
	{ "sourceWorkloadGroup", FB_IE_VARLEN, 0 },
	{ "destinationWorkloadGroup", FB_IE_VARLEN, 0 },
	{ "policyRule", FB_IE_VARLEN, 0 },
	{ "policyVerdict", FB_IE_VARLEN, 0 },
	{ "sourceIPv6Address", 16, SW_T_V6 },
	{ "destinationIPv6Address", 16, SW_T_V6 },
	{ "sourceIPv4Address", 4, SW_T_V4 },
	{ "destinationIPv4Address", 4, SW_T_V4 },
	{ "ingressInterface", 4, 0 },
	{ "egressInterface", 4, 0 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "tcpControlBits", 2, 0 },
	{ "reverseTcpControlBits", 2, SW_T_BI },
	{ "protocolIdentifier", 1, 0 },
	{ "flowEndReason", 1, 0 },
	{ "biflowDirection", 1, 0 },
	{ "paddingOctets", 5, SW_T_INTERNAL },
	FB_IESPEC_NULL
};

#define SW_TID_INTERNAL 999
#define SW_TID_V4 256
#define SW_TID_V6 257
#define SW_TID_TYPEINFO 258	/* RFC 5610 type information */
/*
 * No template metadata (libfixbuf's template names under CERT's PEN 6871):
 * nfacctd 1.7.7 stops reading a message at that options template and so
 * never learned the flow templates behind it.
 */

struct sw_ipfix_enc {
	const struct sw_fixbuf_api *fb;	/* libfixbuf, opened by the first encoder */
	fbInfoModel_t *model;
	fbInfoElement_t ents[SW_IPFIX_N_ENTS + 1];
	enum sw_ipfix_mode mode;
	uint32_t domain;
	sw_ipfix_msg_fn fn;
	void *arg;
	fBuf_t *fbuf;			/* NULL between sessions */
	FILE *stream;			/* libfixbuf's exporter writes here: sw_ipfix_stream_write */
	uint64_t appended, reported;	/* flow records appended / reported with a message */
	size_t max_msg, est;		/* estimated size of the message being built */
	struct sw_ipfix_scratch scratch;
	/* a message can reach the stream in pieces: gathered here until whole */
	uint8_t msg[65536];
	size_t msg_n;
	bool discard;			/* ending a session: what libfixbuf still writes is dropped */
};

/* ---- the record (pure) ---- */

uint8_t sw_ipfix_end_reason(uint8_t end, uint8_t state)
{
	switch (end) {
	case SW_END_IDLE: return state == SW_FLOW_CLOSED ? 3 : 1; /* end of flow detected : idle */
	case SW_END_ACTIVE: return 2;
	case SW_END_EVICTED: return 5;	/* lack of resources */
	case SW_END_FLUSH: return 4;	/* forced end */
	case SW_END_REUSED: return 3;	/* end of flow detected: a new connection began */
	default: return 4;
	}
}

static void sw_var(fbVarfield_t *v, const char *s)
{
	v->buf = (uint8_t *)(s ? s : "");
	v->len = s ? strlen(s) : 0;
}

/* Whether @key is one of @keys ("app,tier"); every key when @keys is NULL or "". */
static bool sw_label_wanted(const char *keys, const char *key)
{
	size_t len = strlen(key);

	if (!keys || !*keys)
		return true;
	for (const char *p = keys; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, key, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

/* "k=v,k=v" of @w's labels (those in @keys) into @buf, cut before a label that does not fit. */
static const char *sw_labels(const struct sw_workload *w, const char *keys, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; w && i < w->n_labels; i++) {
		int k;

		if (!sw_label_wanted(keys, w->labels[i].key))
			continue;
		k = snprintf(buf + n, len - n, "%s%s=%s", n ? "," : "", w->labels[i].key,
				 w->labels[i].value ? w->labels[i].value : "");

		if (k < 0 || (size_t)k >= len - n) {
			buf[n] = '\0';
			break;
		}
		n += (size_t)k;
	}
	return buf;
}

static uint32_t sw_v4(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

/* One end's identity into the record: @e 0 initiator, 1 responder; @src where it goes. */
static void sw_fill_end(struct sw_ipfix_rec *x, const struct sw_flow_ident *id, int e, bool src,
			const char *keys, char *labels)
{
	const struct sw_workload *w = id->kind[e] == SW_EP_WORKLOAD ? id->wl[e] : NULL;
	const char *kind = id->kind[e] == SW_EP_NONE ? NULL
			   : sw_endpoint_kind_name((enum sw_endpoint_kind)id->kind[e]);

	sw_var(src ? &x->src_name : &x->dst_name, w ? w->name : NULL);
	sw_var(src ? &x->src_ns : &x->dst_ns, w ? w->namespace : NULL);
	sw_var(src ? &x->src_kind : &x->dst_kind, kind);
	sw_var(src ? &x->src_labels : &x->dst_labels,
	       sw_labels(w, keys, labels, SW_IPFIX_LABELS_MAX));
	/* the host side of a workload's veth: where its packets enter the host */
	*(src ? &x->in_if : &x->out_if) = w && w->ifindex > 0 ? (uint32_t)w->ifindex : 0;
}

void sw_ipfix_rec_fill(struct sw_ipfix_rec *x, const struct sw_flow_rec *r,
		       const struct sw_ipfix_verdict *v, enum sw_ipfix_dir dir,
		       struct sw_ipfix_scratch *s)
{
	const struct sw_flow *f = &r->f;
	bool rev = dir == SW_IPFIX_DIR_REV, inferred = f->flags & SW_FLOW_F_INFERRED;
	const struct sw_flow_dir *a = rev ? &f->rev : &f->fwd;
	const uint8_t *sa = rev ? f->resp_addr : f->init_addr, *da = rev ? f->init_addr : f->resp_addr;

	memset(x, 0, sizeof(*x));
	if (dir == SW_IPFIX_DIR_BOTH) {
		x->start_ms = sw_flow_first_us(f) / 1000;
		x->end_ms = sw_flow_last_us(f) / 1000;
		x->rev_octets = f->rev.bytes;
		x->rev_packets = f->rev.packets;
		x->rev_tcp_flags = f->proto == 6 ? f->rev.tcp_flags : 0;
	} else {
		x->start_ms = a->first_us / 1000;
		x->end_ms = a->last_us / 1000;
	}
	x->octets = a->bytes;
	x->packets = a->packets;
	x->tcp_flags = f->proto == 6 ? a->tcp_flags : 0;
	if (f->family == 4) {
		x->src4 = sw_v4(sa);
		x->dst4 = sw_v4(da);
	} else {
		memcpy(x->src6, sa, 16);
		memcpy(x->dst6, da, 16);
	}
	x->sport = rev ? f->resp_port : f->init_port;
	x->dport = rev ? f->init_port : f->resp_port;
	x->proto = f->proto;
	x->end_reason = sw_ipfix_end_reason(f->end, f->state);
	/* RFC 5103: 1 initiator (the source began it), 2 reverseInitiator, 0 arbitrary (not seen) */
	x->direction = inferred ? 0 : rev ? 2 : 1;
	sw_fill_end(x, &r->id, rev ? 1 : 0, true, s->label_keys, s->src_labels);
	sw_fill_end(x, &r->id, rev ? 0 : 1, false, s->label_keys, s->dst_labels);
	/* the flow's verdict, judged on its initiator: the same in both directions */
	sw_var(&x->src_groups, v ? (rev ? v->dst_groups : v->src_groups) : NULL);
	sw_var(&x->dst_groups, v ? (rev ? v->src_groups : v->dst_groups) : NULL);
	sw_var(&x->rule, v ? v->rule : NULL);
	sw_var(&x->verdict, v ? v->verdict : NULL);
	sw_var(&x->state, sw_flow_state_name((enum sw_flow_state)f->state));
	/* the same for both directions: it is computed on the ordered 5-tuple */
	sw_flow_community_id(f, 0, s->community_id);
	sw_var(&x->community_id, s->community_id);
}

size_t sw_ipfix_rec_size(const struct sw_ipfix_rec *x)
{
	const fbVarfield_t *v[] = { &x->src_name, &x->dst_name, &x->src_ns, &x->dst_ns,
				    &x->src_kind, &x->dst_kind, &x->src_labels, &x->dst_labels,
				    &x->state, &x->community_id, &x->src_groups, &x->dst_groups,
				    &x->rule, &x->verdict };
	size_t n = sizeof(*x);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		n += v[i]->len + 3;
	return n;
}

/* ---- libfixbuf ---- */

/* Whole messages out of what libfixbuf writes (each starts with version 10 and its length). */
static ssize_t sw_ipfix_stream_write(void *cookie, const char *buf, size_t size)
{
	struct sw_ipfix_enc *e = cookie;
	size_t done = 0;

	if (e->discard)
		return (ssize_t)size;
	while (done < size) {
		size_t take = size - done, need;

		if (take > sizeof(e->msg) - e->msg_n)
			take = sizeof(e->msg) - e->msg_n;
		memcpy(e->msg + e->msg_n, buf + done, take);
		e->msg_n += take;
		done += take;
		while (e->msg_n >= 4 && (need = (size_t)e->msg[2] << 8 | e->msg[3]) >= 16 &&
		       e->msg_n >= need) {
			uint64_t nrec = e->appended - e->reported;

			e->reported = e->appended;
			e->fn(e->arg, e->msg, need, nrec);
			memmove(e->msg, e->msg + need, e->msg_n - need);
			e->msg_n -= need;
		}
		if (e->msg_n >= 4 && ((size_t)e->msg[2] << 8 | e->msg[3]) < 16)
			e->msg_n = 0;	/* not IPFIX: cannot happen with libfixbuf */
	}
	return (ssize_t)size;
}

struct sw_ipfix_enc *sw_ipfix_enc_alloc(uint32_t pen, enum sw_ipfix_mode mode, uint32_t domain,
					const char *label_keys, sw_ipfix_msg_fn fn, void *arg,
					char *why, size_t why_len)
{
	const struct sw_fixbuf_api *fb;
	struct sw_ipfix_enc *e;
	struct sw_err err;

	if (!(fb = sw_fixbuf_api(&err))) {
		snprintf(why, why_len, "%s", err.msg);
		return NULL;
	}
	if (!(e = calloc(1, sizeof(*e)))) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	e->fb = fb;
	e->mode = mode;
	e->domain = domain;
	e->fn = fn;
	e->arg = arg;
	e->max_msg = 65000;
	e->scratch.label_keys = label_keys;
	for (size_t i = 0; i < SW_IPFIX_N_ENTS; i++) {
		fbInfoElement_t ie = FB_IE_INIT_FULL(sw_ipfix_ents[i].name, pen, sw_ipfix_ents[i].num,
						     FB_IE_VARLEN, FB_IE_DEFAULT, 0, 0, FB_STRING,
						     sw_ipfix_ents[i].desc);

		e->ents[i] = ie;
	}
	e->ents[SW_IPFIX_N_ENTS] = (fbInfoElement_t)FB_IE_NULL;
	e->model = e->fb->fbInfoModelAlloc();
	e->fb->fbInfoModelAddElementArray(e->model, e->ents);
	return e;
}

void sw_ipfix_enc_max_msg(struct sw_ipfix_enc *e, size_t bytes)
{
	e->max_msg = bytes;
}

static fbTemplate_t *sw_tmpl(struct sw_ipfix_enc *e, uint32_t flags, GError **gerr)
{
	fbTemplate_t *t = e->fb->fbTemplateAlloc(e->model);

	if (!e->fb->fbTemplateAppendSpecArray(t, sw_ipfix_spec, flags, gerr)) {
		e->fb->fbTemplateFreeUnused(t);
		return NULL;
	}
	return t;
}

/* The session's templates: internal (the struct), and v4/v6 for the wire. */
static bool sw_ipfix_templates_add(struct sw_ipfix_enc *e, fbSession_t *s, GError **gerr)
{
	uint32_t bi = e->mode == SW_IPFIX_BIFLOW ? SW_T_BI : 0;
	fbTemplate_t *in = sw_tmpl(e, SW_T_ALL, gerr), *v4, *v6;

	if (!in || !e->fb->fbSessionAddTemplate(s, TRUE, SW_TID_INTERNAL, in, gerr))
		return false;
	if (!(v4 = sw_tmpl(e, SW_T_V4 | bi, gerr)) ||
	    !e->fb->fbSessionAddTemplate(s, FALSE, SW_TID_V4, v4, gerr))
		return false;
	if (!(v6 = sw_tmpl(e, SW_T_V6 | bi, gerr)) ||
	    !e->fb->fbSessionAddTemplate(s, FALSE, SW_TID_V6, v6, gerr))
		return false;
	return true;
}

void sw_ipfix_enc_end(struct sw_ipfix_enc *e)
{
	if (!e->fbuf)
		return;
	e->fn(e->arg, NULL, 0, e->appended - e->reported);	/* what was still being built: lost */
	e->reported = e->appended;
	e->discard = true;
	e->fb->fBufFree(e->fbuf);	/* with its session and exporter */
	e->discard = false;
	e->fbuf = NULL;
	if (e->stream)
		fclose(e->stream);
	e->stream = NULL;
	e->msg_n = 0;
	e->reported = e->appended;
}

bool sw_ipfix_enc_session(struct sw_ipfix_enc *e, char *why, size_t why_len)
{
	static const cookie_io_functions_t io = { .write = sw_ipfix_stream_write };
	GError *gerr = NULL;
	fbSession_t *s;

	sw_ipfix_enc_end(e);
	if (!(e->stream = fopencookie(e, "w", io))) {
		snprintf(why, why_len, "cannot open the message stream");
		return false;
	}
	setvbuf(e->stream, NULL, _IONBF, 0);
	s = e->fb->fbSessionAlloc(e->model);
	e->fb->fbSessionSetDomain(s, e->domain);
	/* RFC 5610: collectors learn our elements' names and types */
	if (!e->fb->fbSessionSetMetadataExportElements(s, TRUE, SW_TID_TYPEINFO, &gerr) ||
	    !sw_ipfix_templates_add(e, s, &gerr)) {
		snprintf(why, why_len, "templates: %s", gerr ? gerr->message : "?");
		e->fb->g_clear_error(&gerr);
		e->fb->fbSessionFree(s);
		fclose(e->stream);
		e->stream = NULL;
		return false;
	}
	e->fbuf = e->fb->fBufAllocForExport(s, e->fb->fbExporterAllocFP(e->stream));
	e->fb->fBufSetAutomaticMode(e->fbuf, TRUE);
	return sw_ipfix_enc_templates(e);
}

bool sw_ipfix_enc_templates(struct sw_ipfix_enc *e)
{
	GError *gerr = NULL;
	bool ok;

	if (!e->fbuf)
		return false;
	sw_ipfix_enc_flush(e);
	ok = e->fb->fbSessionExportTemplates(e->fb->fBufGetSession(e->fbuf), &gerr);
	e->fb->g_clear_error(&gerr);
	ok = ok && e->fb->fBufSetInternalTemplate(e->fbuf, SW_TID_INTERNAL, &gerr);
	e->fb->g_clear_error(&gerr);
	sw_ipfix_enc_flush(e);
	return ok;
}

static bool sw_ipfix_append(struct sw_ipfix_enc *e, struct sw_ipfix_rec *x, bool v6)
{
	GError *gerr = NULL;
	size_t sz = sw_ipfix_rec_size(x);

	if (e->est + sz > e->max_msg)
		sw_ipfix_enc_flush(e);
	if (!e->fb->fBufSetExportTemplate(e->fbuf, v6 ? SW_TID_V6 : SW_TID_V4, &gerr) ||
	    !e->fb->fBufAppend(e->fbuf, (uint8_t *)x, sizeof(*x), &gerr)) {
		e->fb->g_clear_error(&gerr);
		return false;
	}
	e->appended++;
	e->est += sz;
	return true;
}

bool sw_ipfix_enc_add(struct sw_ipfix_enc *e, const struct sw_flow_rec *r,
		      const struct sw_ipfix_verdict *v)
{
	struct sw_ipfix_rec x;
	bool v6 = r->f.family == 6;

	if (!e->fbuf)
		return false;
	if (e->mode == SW_IPFIX_BIFLOW) {
		sw_ipfix_rec_fill(&x, r, v, SW_IPFIX_DIR_BOTH, &e->scratch);
		return sw_ipfix_append(e, &x, v6);
	}
	sw_ipfix_rec_fill(&x, r, v, SW_IPFIX_DIR_FWD, &e->scratch);
	if (r->f.fwd.packets && !sw_ipfix_append(e, &x, v6))
		return false;
	if (!r->f.rev.packets)
		return true;
	sw_ipfix_rec_fill(&x, r, v, SW_IPFIX_DIR_REV, &e->scratch);
	return sw_ipfix_append(e, &x, v6);
}

void sw_ipfix_enc_flush(struct sw_ipfix_enc *e)
{
	GError *gerr = NULL;

	if (e->fbuf && !e->fb->fBufEmit(e->fbuf, &gerr))
		e->fb->g_clear_error(&gerr);
	e->est = 96;	/* message and set headers, and a margin */
}

void sw_ipfix_enc_free(struct sw_ipfix_enc *e)
{
	if (!e)
		return;
	sw_ipfix_enc_end(e);
	e->fb->fbInfoModelFree(e->model);
	free(e);
}
