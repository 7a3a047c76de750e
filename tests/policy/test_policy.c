/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_policy - src/policy: valid policies land in the IR, errors and
 * warnings are found (all of them, at the right place), evaluation follows
 * the documented order. The exact messages are covered by the golden files
 * in bad/ (run_bad.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/policy.h>

#define SW_TEST_HEAD "{\"version\":1,"

struct sw_tload {
	struct sw_policy *p;
	struct sw_pol_diags d;
	int rc;
};

static void sw_tload(struct sw_tload *t, const char *text)
{
	sw_pol_diags_init(&t->d);
	t->rc = sw_policy_load_buffer(text, strlen(text), "t.json", &t->p, &t->d);
}

static void sw_tload_done(struct sw_tload *t)
{
	sw_policy_free(t->p);
	sw_pol_diags_clear(&t->d);
}

/* The formatted diagnostic @i. */
static const char *sw_tdiag(const struct sw_tload *t, size_t i, char *buf, size_t size)
{
	assert_true(i < t->d.n);
	return sw_pol_diag_format("t.json", &t->d.v[i], buf, size);
}

/* Is there a diagnostic whose formatted text contains @needle? */
static bool sw_thas(const struct sw_tload *t, const char *needle)
{
	char buf[700];

	for (size_t i = 0; i < t->d.n; i++)
		if (strstr(sw_tdiag(t, i, buf, sizeof(buf)), needle))
			return true;
	return false;
}

static void sw_addr4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x;
	a[13] = y;
	a[14] = z;
	a[15] = w;
}

static const char sw_shop[] =
	SW_TEST_HEAD "\"name\":\"shop\",\"mode\":\"enforce\",\"default\":\"deny\","
	"\"groups\":{\"front\":{\"labels\":{\"app\":\"web\"},\"names\":[\"shop/web-*\"]},"
	"\"api\":{\"labels\":{\"app\":\"api\",\"tier\":\"backend\"}},"
	"\"dbs\":{\"cidrs\":[\"10.0.3.0/24\",\"fd00::/64\"]}},"
	"\"rules\":["
	"{\"name\":\"web-to-api\",\"from\":[\"front\"],\"to\":[\"api\"],\"proto\":\"tcp\","
	"\"ports\":[8080,\"9000-9010\"],\"action\":\"allow\"},"
	"{\"name\":\"api-to-db\",\"from\":\"api\",\"to\":[\"dbs\"],\"proto\":\"tcp\",\"ports\":[5432],"
	"\"action\":\"allow\",\"mode\":\"monitor\"},"
	"{\"name\":\"ping\",\"from\":\"any\",\"to\":[\"dbs\"],\"proto\":\"icmp\","
	"\"icmp_types\":[\"echo-request\",0],\"action\":\"allow\"},"
	"{\"name\":\"no-db-out\",\"from\":[\"dbs\"],\"to\":\"any\",\"action\":\"deny\",\"mode\":\"monitor\"}]}";

static void test_valid_ir(void **state)
{
	struct sw_tload t;
	const struct sw_policy *p;

	(void)state;
	sw_tload(&t, sw_shop);
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.d.n, 0);
	p = t.p;
	assert_non_null(p);
	assert_string_equal(p->name, "shop");
	assert_int_equal(p->mode, SW_POL_ENFORCE);
	assert_int_equal(p->default_action, SW_POL_DENY);
	assert_int_equal(p->intra, SW_POL_INTRA_ALLOW);
	assert_int_equal(p->n_groups, 3);
	assert_string_equal(p->groups[0].name, "front");
	assert_string_equal(p->groups[0].where, "/groups/front");
	assert_int_equal(p->groups[0].n_labels, 1);
	assert_string_equal(p->groups[0].names[0], "shop/web-*");
	assert_int_equal(p->groups[1].n_labels, 2);
	assert_int_equal(p->groups[2].n_cidrs, 2);
	assert_true(p->groups[2].cidrs[0].v4);
	assert_int_equal(p->groups[2].cidrs[0].plen, 96 + 24);
	assert_false(p->groups[2].cidrs[1].v4);
	assert_int_equal(p->groups[2].cidrs[1].plen, 64);
	assert_int_equal(p->n_rules, 4);
	assert_string_equal(p->rules[0].where, "/rules/0");
	assert_int_equal(p->rules[0].n_from, 1);
	assert_int_equal(p->rules[0].from[0], 0);
	assert_int_equal(p->rules[0].to[0], 1);
	assert_int_equal(p->rules[0].proto, SW_POL_PROTO_TCP);
	assert_int_equal(p->rules[0].n_ports, 2);
	assert_int_equal(p->rules[0].ports[0].lo, 8080);
	assert_int_equal(p->rules[0].ports[0].hi, 8080);
	assert_int_equal(p->rules[0].ports[1].lo, 9000);
	assert_int_equal(p->rules[0].ports[1].hi, 9010);
	assert_int_equal(p->rules[0].mode, SW_POL_ENFORCE);
	assert_false(p->rules[0].mode_set);
	assert_int_equal(p->rules[1].from[0], 1); /* a single name as a string */
	assert_int_equal(p->rules[1].mode, SW_POL_MONITOR);
	assert_true(p->rules[1].mode_set);
	assert_true(p->rules[2].from_any);
	assert_int_equal(p->rules[2].n_from, 0);
	assert_int_equal(p->rules[2].n_icmp_types, 2);
	assert_int_equal(p->rules[2].icmp_types[0], 8);
	assert_int_equal(p->rules[2].icmp_types[1], 0);
	assert_int_equal(p->rules[3].proto, SW_POL_PROTO_ANY);
	assert_int_equal(p->rules[3].action, SW_POL_DENY);
	assert_true(p->rules[3].to_any);
	sw_tload_done(&t);
}

static void test_defaults(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"groups\":{},\"rules\":[]}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_null(t.p->name);
	assert_int_equal(t.p->mode, SW_POL_ENFORCE);
	assert_int_equal(t.p->default_action, SW_POL_DENY);
	assert_int_equal(t.p->intra, SW_POL_INTRA_ALLOW);
	sw_tload_done(&t);
}

static void test_syntax_error(void **state)
{
	struct sw_tload t;
	char buf[600];

	(void)state;
	sw_tload(&t, "{\"version\":1,\n  \"groups\": {,}}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_null(t.p);
	assert_int_equal(t.d.n, 1);
	assert_int_equal(t.d.v[0].line, 2);
	assert_true(strncmp(sw_tdiag(&t, 0, buf, sizeof(buf)), "t.json:2:", 9) == 0);
	sw_tload_done(&t);

	sw_tload(&t, "{\"version\":1,\"version\":1,\"groups\":{},\"rules\":[]}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_true(sw_thas(&t, "duplicate"));
	sw_tload_done(&t);
}

/* Several errors in one document: all are reported, each at its place. */
static void test_all_errors(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"mdoe\":\"enforce\",\"default\":\"alow\","
		     "\"groups\":{\"dbs\":{\"cidrs\":[\"10.0.0.1/24\",\"300.1.1.1\"]},\"x\":{\"lables\":{}}},"
		     "\"rules\":[{\"name\":\"a\",\"from\":[\"db\"],\"to\":[\"dbs\"],\"proto\":\"udp\","
		     "\"ports\":[0,70000,\"9-1\",\"x\"],\"action\":\"allow\"},"
		     "{\"name\":\"a\",\"from\":[\"dbs\"],\"to\":[\"dbs\"],\"proto\":\"icmp\","
		     "\"icmp_types\":[\"echo-reqest\"],\"action\":\"allow\"},"
		     "{\"name\":\"c\",\"from\":[\"dbs\"],\"to\":[\"dbs\"],\"ports\":[80],\"action\":\"deny\"},"
		     "{\"name\":\"d\",\"from\":[\"dbs\"],\"to\":[\"dbs\"],\"proto\":\"tcp\",\"icmp_types\":[8],\"action\":\"deny\"}]}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_null(t.p);
	assert_true(sw_thas(&t, "t.json: /mdoe: error: unknown key \"mdoe\"; did you mean \"mode\"?"));
	assert_true(sw_thas(&t, "t.json: /default: error: unknown value \"alow\"; did you mean \"allow\"?"));
	assert_true(sw_thas(&t, "/groups/dbs/cidrs/0: error: host bits set in \"10.0.0.1/24\"; did you mean \"10.0.0.0/24\"?"));
	assert_true(sw_thas(&t, "/groups/dbs/cidrs/1: error: bad address or prefix"));
	assert_true(sw_thas(&t, "/groups/x/lables: error: unknown key \"lables\"; did you mean \"labels\"?"));
	assert_true(sw_thas(&t, "t.json: /rules/0/from/0: error: unknown group \"db\"; did you mean \"dbs\"?"));
	assert_true(sw_thas(&t, "/rules/0/ports/0: error: port 0 is out of range 1-65535"));
	assert_true(sw_thas(&t, "/rules/0/ports/1: error: port 70000 is out of range 1-65535"));
	assert_true(sw_thas(&t, "/rules/0/ports/2: error: empty port range 9-1"));
	assert_true(sw_thas(&t, "/rules/0/ports/3: error: bad port or range \"x\""));
	assert_true(sw_thas(&t, "/rules/1/name: error: duplicate rule name \"a\""));
	assert_true(sw_thas(&t, "/rules/1/icmp_types/0: error: unknown icmp type \"echo-reqest\"; did you mean \"echo-request\"?"));
	assert_true(sw_thas(&t, "/rules/2/ports: error: ports need proto"));
	assert_true(sw_thas(&t, "/rules/3/icmp_types: error: icmp_types need proto"));
	assert_int_equal(t.d.n_errors, 14);
	sw_tload_done(&t);
}

/* Semantic diagnostics also carry the line and column of their value. */
static void test_positions(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, "{\"version\":1,\"groups\":{\"k\":{\"labels\":{\"a\\\"}\":\"[\",\n"
		     "  \"\\u00e9t\\u00e9\\ud83d\\ude00\": 1}},\"dbs\":{}},\n"
		     "\"rules\":[{\"name\":\"a\",\"from\":\"any\",\"to\":\"any\",\"action\":\"deny\"},\n"
		     "  {\"name\":\"b\", \"from\": [\"k\", \"db\"], \"to\":\"dbs\",\"action\":\"deny\"}]}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_int_equal(t.d.n_errors, 2);
	assert_string_equal(t.d.v[0].where, "/groups/k/labels/\xc3\xa9t\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(t.d.v[0].line, 2);
	assert_int_equal(t.d.v[0].column, 32);
	assert_string_equal(t.d.v[2].where, "/rules/1/from/1");
	assert_int_equal(t.d.v[2].line, 4);
	assert_int_equal(t.d.v[2].column, 30);
	assert_true(sw_thas(&t, "t.json: /groups/dbs: warning: group \"dbs\" selects nothing"));
	assert_int_equal(t.d.v[1].line, 2);
	sw_tload_done(&t);
}

static void test_types_and_missing(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, "{\"version\":2,\"groups\":[],\"rules\":[{\"from\":1,\"to\":[]}, 3]}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_true(sw_thas(&t, "t.json: /version: error: unsupported version"));
	assert_true(sw_thas(&t, "/groups: error: expected an object of groups, got an array"));
	assert_true(sw_thas(&t, "/rules/0: error: missing \"name\""));
	assert_true(sw_thas(&t, "/rules/0/from: error: expected a group name or an array of them, got a number"));
	assert_true(sw_thas(&t, "/rules/0: error: missing \"action\""));
	assert_true(sw_thas(&t, "/rules/1: error: expected a rule object, got a number"));
	sw_tload_done(&t);

	sw_tload(&t, "[]");
	assert_true(sw_thas(&t, "t.json: error: expected a policy object, got an array"));
	sw_tload_done(&t);
}

static void test_warnings(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"groups\":{\"a\":{\"labels\":{\"app\":\"a\"}},"
		     "\"b\":{\"labels\":{\"app\":\"b\"}},\"e\":{}},"
		     "\"rules\":["
		     "{\"name\":\"wide\",\"from\":[\"a\",\"b\"],\"to\":\"any\",\"proto\":\"tcp\",\"ports\":[\"1-1000\",\"1001-2000\"],\"action\":\"allow\"},"
		     "{\"name\":\"narrow\",\"from\":[\"a\"],\"to\":[\"b\"],\"proto\":\"tcp\",\"ports\":[80,\"999-1500\"],\"action\":\"deny\"},"
		     "{\"name\":\"other-port\",\"from\":[\"a\"],\"to\":[\"b\"],\"proto\":\"tcp\",\"ports\":[2001],\"action\":\"deny\"},"
		     "{\"name\":\"udp\",\"from\":[\"a\"],\"to\":[\"b\"],\"proto\":\"udp\",\"action\":\"deny\"},"
		     "{\"name\":\"none\",\"from\":[],\"to\":[\"b\"],\"action\":\"deny\"},"
		     "{\"name\":\"empty\",\"from\":[\"e\"],\"to\":[\"b\"],\"action\":\"deny\"},"
		     "{\"name\":\"self\",\"from\":[\"a\"],\"to\":[\"a\"],\"action\":\"deny\"},"
		     "{\"name\":\"all\",\"from\":\"any\",\"to\":\"any\",\"action\":\"deny\"},"
		     "{\"name\":\"late\",\"from\":[\"b\"],\"to\":[\"a\"],\"proto\":\"icmp\",\"action\":\"allow\"}]}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_non_null(t.p);
	assert_int_equal(t.d.n_errors, 0);
	assert_true(sw_thas(&t, "t.json: /groups/e: warning: group \"e\" selects nothing"));
	assert_true(sw_thas(&t, "t.json: /rules/1: warning: rule \"narrow\" is shadowed by /rules/0 (\"wide\") and can never match"));
	assert_false(sw_thas(&t, "/rules/2:"));
	assert_false(sw_thas(&t, "/rules/3:"));
	assert_true(sw_thas(&t, "/rules/4: warning: rule \"none\" can never match: \"from\" names no group"));
	assert_true(sw_thas(&t, "/rules/5: warning: rule \"empty\" can never match: every group in \"from\" selects nothing"));
	assert_true(sw_thas(&t, "/rules/6: warning: rule \"self\" can never match: traffic inside one group"));
	assert_true(sw_thas(&t, "/rules/8: warning: rule \"late\" is shadowed by /rules/7 (\"all\")"));
	assert_int_equal(t.d.n_warnings, 6);
	sw_tload_done(&t);
}

static void test_group_selects(void **state)
{
	struct sw_tload t;
	struct sw_workload w = { 0 };
	uint8_t a[16], b[16];

	(void)state;
	sw_tload(&t, sw_shop);
	assert_non_null(t.p);
	w.name = "shop/web-7f9c";
	sw_addr4(a, 10, 0, 3, 7);
	sw_addr4(b, 10, 0, 4, 7);
	assert_true(sw_policy_group_selects(t.p, 0, &w, NULL));	/* by name */
	assert_false(sw_policy_group_selects(t.p, 1, &w, NULL));
	assert_true(sw_workload_add_label(&w, "app", "api"));
	assert_false(sw_policy_group_selects(t.p, 1, &w, NULL));	/* tier missing */
	assert_true(sw_workload_add_label(&w, "tier", "backend"));
	assert_true(sw_policy_group_selects(t.p, 1, &w, NULL));
	assert_true(sw_policy_group_selects(t.p, 2, NULL, a));	/* by CIDR */
	assert_false(sw_policy_group_selects(t.p, 2, NULL, b));
	assert_false(sw_policy_group_selects(t.p, 2, &w, NULL));
	assert_true(sw_workload_add_addr(&w, a));
	assert_true(sw_policy_group_selects(t.p, 2, &w, NULL));	/* the workload's address */
	assert_false(sw_policy_group_selects(t.p, 2, &w, b));		/* the given address wins */
	assert_false(sw_policy_group_selects(t.p, 9, &w, a));
	w.name = NULL;
	for (size_t i = 0; i < w.n_labels; i++) {
		free(w.labels[i].key);
		free(w.labels[i].value);
	}
	free(w.labels);
	free(w.addrs);
	sw_tload_done(&t);
}

static void sw_teval(const struct sw_policy *p, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, uint16_t port, struct sw_pol_verdict *v)
{
	struct sw_pol_conn c = { .ipproto = proto, .dport = port, .icmp_type = (uint8_t)port };

	assert_true(sw_policy_evaluate(p, NULL, src, NULL, dst, &c, v));
}

/* What the ruleset does: the outcome of sw_teval's connection. */
static enum sw_pol_outcome sw_toutcome(const struct sw_policy *p, const uint8_t *src,
				       const uint8_t *dst, uint8_t proto, uint16_t port)
{
	struct sw_pol_conn c = { .ipproto = proto, .dport = port, .icmp_type = (uint8_t)port };
	uint64_t sbits[SW_POL_BITMAP_WORDS(64) + 1], dbits[SW_POL_BITMAP_WORDS(64) + 1];
	struct sw_pol_verdict v;

	assert_true(p->n_groups <= 64);
	sw_policy_membership(p, NULL, src, sbits);
	sw_policy_membership(p, NULL, dst, dbits);
	return sw_policy_outcome(p, sbits, dbits, &c, &v);
}

static void test_outcome(void **state)
{
	struct sw_tload t;
	uint8_t web[16], api[16], out[16];

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"mode\":\"enforce\",\"default\":\"deny\","
		     "\"groups\":{\"web\":{\"cidrs\":[\"10.0.1.0/24\"]},\"api\":{\"cidrs\":[\"10.0.2.0/24\"]}},"
		     "\"rules\":["
		     "{\"name\":\"w2a\",\"from\":[\"web\"],\"to\":[\"api\"],\"proto\":\"tcp\",\"ports\":[80],\"action\":\"allow\"},"
		     "{\"name\":\"w2a-dns\",\"from\":[\"web\"],\"to\":[\"api\"],\"proto\":\"udp\",\"ports\":[53],\"action\":\"deny\",\"mode\":\"monitor\"},"
		     "{\"name\":\"out\",\"from\":\"any\",\"to\":\"any\",\"proto\":\"tcp\",\"ports\":[22],\"action\":\"deny\"}]}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	sw_addr4(web, 10, 0, 1, 5);
	sw_addr4(api, 10, 0, 2, 5);
	sw_addr4(out, 192, 0, 2, 1);
	assert_int_equal(sw_toutcome(t.p, web, api, 6, 80), SW_POL_OUT_ALLOWED);
	assert_int_equal(sw_toutcome(t.p, web, api, 17, 53), SW_POL_OUT_MONITORED);
	assert_int_equal(sw_toutcome(t.p, web, api, 6, 443), SW_POL_OUT_DENIED);	/* default */
	/* the default leaves an end no group selects alone; a rule does not */
	assert_int_equal(sw_toutcome(t.p, web, out, 6, 443), SW_POL_OUT_UNMANAGED);
	assert_int_equal(sw_toutcome(t.p, out, api, 6, 443), SW_POL_OUT_UNMANAGED);
	assert_int_equal(sw_toutcome(t.p, out, api, 6, 22), SW_POL_OUT_DENIED);
	/* neighbour discovery passes whatever the rules say, as in the ruleset; other ICMPv6 does not */
	for (uint16_t type = 133; type <= 137; type++)
		assert_int_equal(sw_toutcome(t.p, web, api, 58, type), SW_POL_OUT_ALLOWED);
	assert_int_equal(sw_toutcome(t.p, web, api, 58, 128), SW_POL_OUT_DENIED);
	assert_int_equal(sw_toutcome(t.p, web, api, 58, 143), SW_POL_OUT_DENIED);
	assert_int_equal(sw_toutcome(t.p, web, api, 1, 135), SW_POL_OUT_DENIED);
	{
		struct sw_pol_conn c = { .ipproto = 58, .icmp_type = 136 };
		uint64_t b[2] = { 0 };
		struct sw_pol_verdict v;

		assert_int_equal(sw_policy_outcome(t.p, b, b, &c, &v), SW_POL_OUT_ALLOWED);
		assert_string_equal(sw_policy_verdict_rule(t.p, SW_POL_OUT_ALLOWED, &v),
				    "neighbour_discovery");
	}
	sw_tload_done(&t);
}

/* A live flow record judged: groups named, the deciding rule named. */
static void test_judge_flow(void **state)
{
	struct sw_tload t;
	struct sw_flow_rec r = { 0 };
	uint64_t sbits[1], dbits[1];
	struct sw_pol_verdict v;
	enum sw_pol_outcome out;
	char buf[64], tiny[8];

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"mode\":\"enforce\",\"default\":\"deny\","
		     "\"groups\":{\"web\":{\"cidrs\":[\"10.0.1.0/24\"]},\"front\":{\"cidrs\":[\"10.0.1.5/32\"]},"
		     "\"api\":{\"cidrs\":[\"10.0.2.0/24\"]}},"
		     "\"rules\":[{\"name\":\"w2a\",\"from\":[\"web\"],\"to\":[\"api\"],\"proto\":\"tcp\",\"ports\":[80],\"action\":\"allow\"}]}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	r.f.family = 4;
	r.f.proto = 6;
	r.f.resp_port = 80;
	sw_addr4(r.f.init_addr, 10, 0, 1, 5);
	sw_addr4(r.f.resp_addr, 10, 0, 2, 5);
	out = sw_policy_judge_flow(t.p, &r, sbits, dbits, &v);
	assert_int_equal(out, SW_POL_OUT_ALLOWED);
	assert_string_equal(sw_policy_verdict_rule(t.p, out, &v), "w2a");
	assert_int_equal(sw_policy_groups_text(t.p, sbits, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "web+front");
	assert_int_equal(sw_policy_groups_text(t.p, dbits, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "api");
	/* a name that does not fit is left out whole */
	assert_int_equal(sw_policy_groups_text(t.p, sbits, tiny, sizeof(tiny)), 2);
	assert_string_equal(tiny, "web");

	r.f.resp_port = 443; /* the default decides */
	out = sw_policy_judge_flow(t.p, &r, sbits, dbits, &v);
	assert_int_equal(out, SW_POL_OUT_DENIED);
	assert_string_equal(sw_policy_verdict_rule(t.p, out, &v), "default");
	sw_addr4(r.f.resp_addr, 192, 0, 2, 1); /* no group selects it: not judged */
	out = sw_policy_judge_flow(t.p, &r, sbits, dbits, &v);
	assert_int_equal(out, SW_POL_OUT_UNMANAGED);
	assert_null(sw_policy_verdict_rule(t.p, out, &v));
	assert_int_equal(sw_policy_groups_text(t.p, dbits, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	sw_tload_done(&t);
}

static void test_evaluate(void **state)
{
	struct sw_tload t;
	struct sw_pol_verdict v;
	uint8_t web[16], api[16], db[16], db2[16], out[16];

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"mode\":\"enforce\",\"default\":\"deny\","
		     "\"groups\":{\"web\":{\"cidrs\":[\"10.0.1.0/24\"]},\"api\":{\"cidrs\":[\"10.0.2.0/24\"]},"
		     "\"db\":{\"cidrs\":[\"10.0.3.0/24\"]}},"
		     "\"rules\":["
		     "{\"name\":\"w2a\",\"from\":[\"web\"],\"to\":[\"api\"],\"proto\":\"tcp\",\"ports\":[\"8080-8081\"],\"action\":\"allow\"},"
		     "{\"name\":\"w-no\",\"from\":[\"web\"],\"to\":\"any\",\"action\":\"deny\",\"mode\":\"monitor\"},"
		     "{\"name\":\"ping\",\"from\":\"any\",\"to\":[\"db\"],\"proto\":\"icmp\",\"icmp_types\":[8],\"action\":\"allow\"},"
		     "{\"name\":\"a2d\",\"from\":[\"api\"],\"to\":[\"db\"],\"proto\":\"tcp\",\"action\":\"allow\"}]}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	sw_addr4(web, 10, 0, 1, 5);
	sw_addr4(api, 10, 0, 2, 5);
	sw_addr4(db, 10, 0, 3, 5);
	sw_addr4(db2, 10, 0, 3, 6);
	sw_addr4(out, 192, 0, 2, 1);

	sw_teval(t.p, web, api, 6, 8081, &v); /* first match */
	assert_int_equal(v.reason, SW_POL_BY_RULE);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.action, SW_POL_ALLOW);
	assert_false(v.drop);
	sw_teval(t.p, web, api, 6, 8082, &v); /* falls to the monitor-mode deny */
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.action, SW_POL_DENY);
	assert_int_equal(v.mode, SW_POL_MONITOR);
	assert_false(v.drop);
	sw_teval(t.p, out, db, 1, 8, &v);
	assert_int_equal(v.rule, 2);
	sw_teval(t.p, out, db, 1, 0, &v); /* echo-reply is not listed: default */
	assert_int_equal(v.reason, SW_POL_BY_DEFAULT);
	assert_int_equal(v.action, SW_POL_DENY);
	assert_true(v.drop);
	sw_teval(t.p, api, db, 6, 5432, &v);
	assert_int_equal(v.rule, 3);
	sw_teval(t.p, api, db, 17, 5432, &v);
	assert_int_equal(v.reason, SW_POL_BY_DEFAULT);
	sw_teval(t.p, db, db2, 17, 53, &v); /* same group: intra_group allow */
	assert_int_equal(v.reason, SW_POL_BY_INTRA);
	assert_int_equal(v.action, SW_POL_ALLOW);
	t.p->intra = SW_POL_INTRA_POLICY;
	sw_teval(t.p, db, db2, 17, 53, &v);
	assert_int_equal(v.reason, SW_POL_BY_DEFAULT);
	assert_true(v.drop);
	t.p->mode = SW_POL_MONITOR;
	t.p->default_action = SW_POL_DENY;
	sw_teval(t.p, db, db2, 17, 53, &v); /* monitor mode drops nothing */
	assert_int_equal(v.mode, SW_POL_MONITOR);
	assert_false(v.drop);
	sw_tload_done(&t);
}

static void test_file_and_format(void **state)
{
	struct sw_pol_diags d;
	struct sw_policy *p;
	char buf[600];

	(void)state;
	sw_pol_diags_init(&d);
	assert_int_equal(sw_policy_load_file("/nonexistent/p.json", &p, &d), SW_EXIT_RUNTIME);
	assert_null(p);
	assert_int_equal(d.n, 1);
	assert_string_equal(sw_pol_diag_format("p.json", &d.v[0], buf, sizeof(buf)),
			    "p.json: error: cannot read: No such file or directory");
	sw_pol_diags_clear(&d);
	sw_pol_diags_clear(NULL);
	sw_policy_free(NULL);
	assert_string_equal(sw_pol_proto_name(SW_POL_PROTO_ICMPV6), "icmpv6");
	assert_int_equal(sw_pol_proto_number(SW_POL_PROTO_SCTP), 132);
}


/* ---- match terms ---- */

static const char sw_match_pol[] =
	SW_TEST_HEAD "\"intra_group\":\"policy\",\"groups\":{"
	"\"web\":{\"match\":[{\"namespaces\":[\"shop\"],\"labels\":{\"app\":\"web\"}}]},"
	"\"notdb\":{\"match\":[{\"namespaces\":[\"shop\",\"ops\"],\"expressions\":["
	"{\"key\":\"app\",\"operator\":\"NotIn\",\"values\":[\"db\"]},"
	"{\"key\":\"tier\",\"operator\":\"DoesNotExist\"}]}]},"
	"\"hasapp\":{\"match\":[{\"expressions\":[{\"key\":\"app\",\"operator\":\"Exists\"}]}]},"
	"\"inapp\":{\"match\":[{\"expressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[\"web\",\"db\"]}]}]},"
	"\"net\":{\"match\":[{\"cidrs\":[\"10.0.0.0/8\"],\"except\":[\"10.1.0.0/16\"]}]},"
	"\"every\":{\"match\":[{}]},"
	"\"webnet\":{\"match\":[{\"labels\":{\"app\":\"web\"},\"cidrs\":[\"10.0.0.0/24\"]}]}},"
	"\"rules\":[]}";

static void sw_twl(struct sw_workload *w, const char *ns, const char *app, const char *tier,
		   uint8_t last)
{
	uint8_t a[16];

	memset(w, 0, sizeof(*w));
	w->namespace = (char *)ns;
	if (app)
		assert_true(sw_workload_add_label(w, "app", app));
	if (tier)
		assert_true(sw_workload_add_label(w, "tier", tier));
	sw_addr4(a, 10, 0, 0, last);
	assert_true(sw_workload_add_addr(w, a));
}

static void sw_twl_done(struct sw_workload *w)
{
	w->namespace = NULL;
	sw_workload_clear(w);
}

static void test_match_parse(void **state)
{
	struct sw_tload t;
	const struct sw_pol_group *g;

	(void)state;
	sw_tload(&t, sw_match_pol);
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.d.n, 0);
	g = &t.p->groups[0];
	assert_int_equal(g->n_terms, 1);
	assert_true(g->terms[0].has_namespaces);
	assert_int_equal(g->terms[0].n_labels, 1);
	g = &t.p->groups[1];
	assert_int_equal(g->terms[0].n_exprs, 2);
	assert_int_equal(g->terms[0].exprs[0].op, SW_POL_EXPR_NOT_IN);
	assert_int_equal(g->terms[0].exprs[1].op, SW_POL_EXPR_DOES_NOT_EXIST);
	g = &t.p->groups[4];
	assert_false(sw_pol_term_workload(&g->terms[0]));
	assert_int_equal(g->terms[0].n_except, 1);
	assert_true(sw_pol_term_workload(&t.p->groups[5].terms[0]));
	assert_true(sw_pol_term_workload(&t.p->groups[6].terms[0]));
	sw_tload_done(&t);
}

static void test_match_errors(void **state)
{
	struct sw_tload t;

	(void)state;
	sw_tload(&t, SW_TEST_HEAD "\"groups\":{\"a\":{\"match\":[{\"namespace\":[\"x\"],"
		 "\"expressions\":[{\"key\":\"k\",\"operator\":\"in\",\"values\":[\"v\"]},"
		 "{\"key\":\"k\",\"operator\":\"Exists\",\"values\":[\"v\"]},"
		 "{\"key\":\"k\",\"operator\":\"NotIn\"}],"
		 "\"cidrs\":[\"10.0.0.0/24\"],\"except\":[\"10.0.1.0/25\"]},"
		 "{\"except\":[\"10.0.0.0/8\"]}, 3]}},\"rules\":[]}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_true(sw_thas(&t, "/groups/a/match/0/namespace: error: unknown key \"namespace\"; "
			    "did you mean \"namespaces\"?"));
	assert_true(sw_thas(&t, "/groups/a/match/0/expressions/0/operator: error: unknown value "
			    "\"in\"; did you mean \"In\"?"));
	assert_true(sw_thas(&t, "/groups/a/match/0/expressions/1/values: error: operator "
			    "\"Exists\" takes no values"));
	assert_true(sw_thas(&t, "/groups/a/match/0/expressions/2: error: operator \"NotIn\" "
			    "needs \"values\""));
	assert_true(sw_thas(&t, "/groups/a/match/0/except/0: error: except 10.0.1.0/25 is not "
			    "inside any of the term's cidrs"));
	assert_true(sw_thas(&t, "/groups/a/match/1/except: error: \"except\" needs \"cidrs\""));
	assert_true(sw_thas(&t, "/groups/a/match/2: error: expected an object"));
	sw_tload_done(&t);
}

static void test_match_eval(void **state)
{
	struct sw_tload t;
	struct sw_workload web, db, opsweb, bare;
	uint8_t a[16];

	(void)state;
	sw_tload(&t, sw_match_pol);
	assert_non_null(t.p);
	sw_twl(&web, "shop", "web", NULL, 1);
	sw_twl(&db, "shop", "db", NULL, 2);
	sw_twl(&opsweb, "ops", "web", "front", 3);
	sw_twl(&bare, NULL, NULL, NULL, 4);
	/* web: namespace AND labels */
	assert_true(sw_policy_group_selects(t.p, 0, &web, NULL));
	assert_false(sw_policy_group_selects(t.p, 0, &opsweb, NULL));
	assert_false(sw_policy_group_selects(t.p, 0, &db, NULL));
	assert_false(sw_policy_group_selects(t.p, 0, NULL, web.addrs[0]));
	/* notdb: NotIn and DoesNotExist hold for absent labels; namespaces exact */
	assert_true(sw_policy_group_selects(t.p, 1, &web, NULL));
	assert_false(sw_policy_group_selects(t.p, 1, &db, NULL));
	assert_false(sw_policy_group_selects(t.p, 1, &opsweb, NULL)); /* has tier */
	assert_false(sw_policy_group_selects(t.p, 1, &bare, NULL)); /* no namespace */
	/* Exists, In */
	assert_true(sw_policy_group_selects(t.p, 2, &db, NULL));
	assert_false(sw_policy_group_selects(t.p, 2, &bare, NULL));
	assert_true(sw_policy_group_selects(t.p, 3, &db, NULL));
	assert_false(sw_policy_group_selects(t.p, 3, &bare, NULL));
	/* net: cidrs minus except, workloads or not */
	sw_addr4(a, 10, 2, 3, 4);
	assert_true(sw_policy_group_selects(t.p, 4, NULL, a));
	sw_addr4(a, 10, 1, 3, 4);
	assert_false(sw_policy_group_selects(t.p, 4, NULL, a));
	assert_true(sw_policy_group_selects(t.p, 4, &bare, NULL));
	/* every: any known workload, no bare address */
	assert_true(sw_policy_group_selects(t.p, 5, &bare, NULL));
	assert_false(sw_policy_group_selects(t.p, 5, NULL, a));
	/* webnet: labels AND address in the cidr */
	assert_true(sw_policy_group_selects(t.p, 6, &web, NULL));
	sw_addr4(a, 10, 0, 1, 1);
	assert_false(sw_policy_group_selects(t.p, 6, &web, a));
	sw_twl_done(&web);
	sw_twl_done(&db);
	sw_twl_done(&opsweb);
	sw_twl_done(&bare);
	sw_tload_done(&t);
}

struct sw_tpieces {
	char text[64][48];
	size_t n;
};

static bool sw_tpiece(const struct sw_pol_cidr *c, void *arg)
{
	struct sw_tpieces *p = arg;

	if (p->n == 64)
		return false;
	sw_pol_cidr_text(c, p->text[p->n++], sizeof(p->text[0]));
	return true;
}

static void sw_tsubtract(const char *base, const char *const *ex, size_t n,
			 const char *const *want, size_t n_want)
{
	struct sw_pol_cidr b, e[4];
	struct sw_tpieces got = { .n = 0 };
	bool hb;

	assert_true(sw_pol_cidr_parse(base, &b, &hb));
	for (size_t i = 0; i < n; i++)
		assert_true(sw_pol_cidr_parse(ex[i], &e[i], &hb));
	assert_true(sw_pol_cidr_subtract(&b, e, n, sw_tpiece, &got));
	assert_int_equal(got.n, n_want);
	for (size_t i = 0; i < n_want; i++)
		assert_string_equal(got.text[i], want[i]);
}

static void test_cidr_subtract(void **state)
{
	static const char *const ex1[] = { "10.0.0.0/10" };
	static const char *const want1[] = { "10.64.0.0/10", "10.128.0.0/9" };
	static const char *const ex2[] = { "10.0.0.1", "10.0.0.6/31" };
	static const char *const want2[] = { "10.0.0.0/32", "10.0.0.2/31", "10.0.0.4/31" };
	static const char *const ex3[] = { "10.0.0.0/8" };
	static const char *const ex4[] = { "192.168.0.0/16" };
	static const char *const want4[] = { "10.0.0.0/29" };
	static const char *const ex5[] = { "fd00::1" };
	static const char *const want5[] = { "fd00::/128", "fd00::2/127", "fd00::4/126" };

	(void)state;
	sw_tsubtract("10.0.0.0/8", ex1, 1, want1, 2);
	sw_tsubtract("10.0.0.0/29", ex2, 2, want2, 3);
	sw_tsubtract("10.1.0.0/16", ex3, 1, NULL, 0); /* covered whole */
	sw_tsubtract("10.0.0.0/29", ex4, 1, want4, 1); /* outside: nothing taken */
	sw_tsubtract("fd00::/125", ex5, 1, want5, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_ir),
		cmocka_unit_test(test_match_parse),
		cmocka_unit_test(test_match_errors),
		cmocka_unit_test(test_match_eval),
		cmocka_unit_test(test_cidr_subtract),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_types_and_missing),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_group_selects),
		cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_judge_flow),
		cmocka_unit_test(test_file_and_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
