/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pipeline's flow_answered sink op against the records the same run
 * emits: real pcaps (the pcap fuzzer's corpus: a TCP handshake, ICMP errors
 * about UDP and TCP, fragments, VLAN, damaged files) read through
 * sw_pipeline with a sink of our own. Every record that left "attempted"
 * was answered exactly once, after its flow_new, refused exactly when its
 * state is refused, at its answer's time (rev.first_seen) unless its
 * initiator was inferred; a record nobody answered never was. This is what
 * `segwatch flows --alerts` assumes when it replays the records. Run twice:
 * the sink's flow_new wanting every answer, then only those of flows with
 * an even initiator port: the others are never told.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/pipeline.h>

#define SW_MAX_EV 4096

struct answer_ev {
	struct sw_flow f;	/* as handed over */
	bool refused;
	uint64_t ts_us;
	bool matched;
};

struct answer_sink {
	struct answer_ev ev[SW_MAX_EV];
	size_t n_ev;
	size_t n_new, n_end, n_answered_recs;
	bool order_bad;		/* an answer before its flow_new */
	struct sw_flow news[SW_MAX_EV];
	size_t n_news;
	bool even_only;		/* flow_new wants the answers of even initiator ports only */
	size_t n_unwanted;	/* records flow_new did not want that ended answered */
};

static bool as_wanted(const struct answer_sink *s, const struct sw_flow *f)
{
	return !s->even_only || (f->init_port & 1) == 0;
}

static int as_open(struct sw_pipeline *p, const void *opts, void **priv, struct sw_err *err)
{
	(void)p;
	(void)err;
	*priv = (void *)opts;
	return SW_EXIT_OK;
}

static bool same_flow(const struct sw_flow *a, const struct sw_flow *b)
{
	return a->proto == b->proto && a->init_port == b->init_port &&
	       a->resp_port == b->resp_port && memcmp(a->init_addr, b->init_addr, 16) == 0 &&
	       memcmp(a->resp_addr, b->resp_addr, 16) == 0 &&
	       sw_flow_first_us(a) == sw_flow_first_us(b);
}

static bool as_new(void *priv, const struct sw_flow_rec *r)
{
	struct answer_sink *s = priv;

	s->n_new++;
	if (s->n_news < SW_MAX_EV)
		s->news[s->n_news++] = r->f;
	return as_wanted(s, &r->f);
}

static void as_answered(void *priv, const struct sw_flow_rec *r, bool refused, uint64_t ts_us)
{
	struct answer_sink *s = priv;
	bool seen = false;

	for (size_t i = 0; i < s->n_news && !seen; i++)
		seen = same_flow(&s->news[i], &r->f);
	if (!seen)
		s->order_bad = true;
	assert_true(s->n_ev < SW_MAX_EV);
	s->ev[s->n_ev].f = r->f;
	s->ev[s->n_ev].refused = refused;
	s->ev[s->n_ev].ts_us = ts_us;
	s->n_ev++;
}

static void as_end(void *priv, const struct sw_flow_rec *r)
{
	struct answer_sink *s = priv;
	const struct sw_flow *f = &r->f;
	size_t hits = 0;

	s->n_end++;
	for (size_t i = 0; i < s->n_ev; i++) {
		struct answer_ev *e = &s->ev[i];

		if (e->matched || !same_flow(&e->f, f))
			continue;
		e->matched = true;
		hits++;
		assert_int_equal(e->refused, f->state == SW_FLOW_REFUSED);
		if (!(f->flags & SW_FLOW_F_INFERRED))
			assert_int_equal(e->ts_us, f->rev.first_us);
	}
	if (f->flags & SW_FLOW_F_CONTINUED) {
		assert_int_equal(hits, 0);
		return;
	}
	if (f->state == SW_FLOW_ATTEMPTED) {
		assert_int_equal(hits, 0);
	} else if (!as_wanted(s, f)) {
		assert_int_equal(hits, 0); /* flow_new said no */
		s->n_unwanted++;
	} else {
		assert_int_equal(hits, 1);
		s->n_answered_recs++;
	}
}

static const struct sw_sink_ops as_ops = {
	.name = "answer-test",
	.open = as_open,
	.flow_new = as_new,
	.flow_answered = as_answered,
	.flow_end = as_end,
};

/* Run one pcap; SW_EXIT_OK or the pipeline's code for a file it refuses. */
static int run_pcap(const char *name, struct answer_sink *s, bool even_only)
{
	char path[512];
	struct sw_pipeline_opts o = { .nflog_group = -1 };
	struct sw_pipeline *p = NULL;
	struct sw_err err = { 0 };
	int rc;

	snprintf(path, sizeof(path), "%s/%s", SW_CORPUS_DIR, name);
	o.capture.file = path;
	sw_flow_config_defaults(&o.flow);
	memset(s, 0, sizeof(*s));
	s->even_only = even_only;
	rc = sw_pipeline_open(&p, &o, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_sink_add_ops(p, &as_ops, s, NULL, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_run(p, &err);
	if (rc == SW_EXIT_OK)
		sw_pipeline_finish(p);
	sw_pipeline_close(p);
	return rc;
}

static void sw_check_answers(bool even_only)
{
	static const char *const pcaps[] = {
		"tcp_handshake_close.pcap", "icmp_errors.pcap", "ipv4_fragments.pcap",
		"vlan_8021q.pcap", "sll_v1.pcap", "sll_v2_duplicates.pcap", "raw_ip.pcap",
		"linktype_ipv6.pcap", "mixed_malformed.pcap", "pcapng_basic.pcapng",
	};
	struct answer_sink *s = calloc(1, sizeof(*s));
	size_t answered = 0, refused = 0, unwanted = 0;

	assert_non_null(s);
	for (size_t i = 0; i < sizeof(pcaps) / sizeof(pcaps[0]); i++) {
		if (run_pcap(pcaps[i], s, even_only) != SW_EXIT_OK)
			continue; /* a file the reader refuses: nothing to compare */
		assert_false(s->order_bad);
		/* every answer belongs to one emitted record */
		for (size_t j = 0; j < s->n_ev; j++)
			assert_true(s->ev[j].matched);
		assert_int_equal(s->n_ev, s->n_answered_recs);
		answered += s->n_ev;
		for (size_t j = 0; j < s->n_ev; j++)
			refused += s->ev[j].refused;
		unwanted += s->n_unwanted;
	}
	free(s);
	/* the corpus has both kinds: the test compared something */
	assert_true(answered > 0);
	assert_true(refused > 0);
	assert_true(even_only ? unwanted > 0 : unwanted == 0);
}

static void test_answers_match_records(void **state)
{
	(void)state;
	sw_check_answers(false);
}

static void test_only_wanted_answers(void **state)
{
	(void)state;
	sw_check_answers(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_match_records),
		cmocka_unit_test(test_only_wanted_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
