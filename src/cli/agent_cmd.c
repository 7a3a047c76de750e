/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch agent check: the agent's config file (docs/agent.md) and the
 * files it names, checked before the agent is started with it.
 */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <segwatch/agent.h>
#include <segwatch/alert.h>
#include <segwatch/diag.h>
#include <segwatch/inventory.h>
#include <segwatch/learn.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "cli.h"

static void sw_agent_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch agent [-c|--config FILE]\n"
		"       segwatch agent check [FILE] [--json [--pretty]]\n\n"
		"The per-host service: capture on every bridge and its ports, name endpoints\n"
		"(container engine, inventories, the kernel), judge or enforce a policy, raise\n"
		"alerts, keep a flow history; without --config, the defaults of docs/agent.md.\n\n"
		"verbs:\n"
		"  check    check a config file and the files it names, as the agent would\n\n"
		"  -c, --config FILE      the config file (docs/agent.md); read again\n"
		"                         on SIGHUP and when the policy file changes\n"
		"  -h, --help             this text\n\n"
		"Signals: SIGTERM/SIGINT write every live flow to the history and stop (the\n"
		"ruleset stays in force unless policy.on_stop is \"remove\"); SIGHUP reloads the\n"
		"config and the policy: a bad file is refused and the running one stays.\n\n"
		"examples:\n"
		"  segwatch agent --config /etc/segwatch/agent.json\n"
		"  segwatch agent                  # defaults: every bridge, engine, history in\n"
		"                                  # /var/lib/segwatch/flows\n"
		"  systemctl enable --now segwatch-agent   # tools/systemd/segwatch-agent.service\n\n"
		SW_HELP_EXIT
		"  0  ok (warnings allowed), or the agent stopped by SIGINT or SIGTERM\n"
		"  2  usage error, or errors in the config, the policy or the files they name\n"
		"  3  the config cannot be read, or the agent cannot run (no permission, netlink)\n");
}

static void sw_agent_check_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch agent check [FILE] [--json [--pretty]]\n\n"
		"Read FILE as the agent would and report every error (file:line:col, or the\n"
		"JSON Pointer of the value), then check the files it names: the policy with the\n"
		"policy checker, inventories, baseline and alert config, where alerts and\n"
		"history go. Prints \"FILE: ok\" and a summary of the effective configuration;\n"
		"without FILE, the defaults.\n\n"
		"  -j, --json             the effective configuration as JSON, every default\n"
		"                         explicit (itself a valid config file)\n"
		"  -p, --pretty           indent the JSON\n"
		"  -h, --help             this text\n\n"
		"examples:\n"
		"  segwatch agent check /etc/segwatch/agent.json\n"
		"  segwatch agent check --json --pretty >effective.json\n"
		SW_HELP_EXIT
		"  0  ok (warnings allowed)\n"
		"  2  usage error, or errors in the config, the policy or the files they name\n"
		"  3  the config or a file it names cannot be read\n");
}

/* "FILE: MSG", or "FILE:MSG" when MSG starts with "line:col:". */
static void sw_agent_print_err(const char *file, const char *msg)
{
	fprintf(stderr, "%s:%s%s\n", SW_CELL(file), isdigit((unsigned char)msg[0]) ? "" : " ",
		SW_MSG(msg));
}

static size_t sw_agent_print_diags(const char *file, const struct sw_diags *d)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", SW_MSG(sw_diag_format(file, &d->v[i], buf, sizeof(buf))));
	return d->n_errors;
}

/* The policy with the policy checker, its diagnostics under its own name. */
static size_t sw_agent_check_policy(const char *path)
{
	struct sw_pol_diags d;
	struct sw_policy *p = NULL;
	size_t errors;

	sw_pol_diags_init(&d);
	sw_policy_load_file(path, &p, &d);
	errors = sw_agent_print_diags(path, &d);
	sw_policy_free(p);
	sw_pol_diags_clear(&d);
	return errors;
}

static size_t sw_agent_check_alert_config(const char *path)
{
	struct sw_alert_config cfg;
	struct sw_err err = { 0 };
	int rc;

	if (!sw_alert_config_defaults(&cfg)) {
		fprintf(stderr, "segwatch: out of memory\n");
		return 1;
	}
	rc = sw_alert_config_load_file(&cfg, path, &err);
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "%s\n", SW_MSG(err.msg));
	sw_alert_config_clear(&cfg);
	return rc != SW_EXIT_OK;
}

/* A regular file this user can read (the others were reported by the file checks). */
static bool sw_agent_readable(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* The contents of the files that can be read. */
static size_t sw_agent_check_contents(const struct sw_agent_config *cfg)
{
	const struct sw_agent_identity_cfg *id = &cfg->identity;
	struct sw_err err = { 0 };
	size_t errors = 0;

	if (sw_agent_readable(cfg->policy.file))
		errors += sw_agent_check_policy(cfg->policy.file);
	if (sw_agent_readable(cfg->policy.staged))
		errors += sw_agent_check_policy(cfg->policy.staged);
	for (unsigned i = 0; i < id->n_inventories; i++) {
		struct sw_workload *wl = NULL;
		size_t n = 0;

		if (!sw_agent_readable(id->inventories[i]))
			continue;
		if (sw_inventory_load(id->inventories[i], &wl, &n, NULL, &err) != SW_EXIT_OK) {
			fprintf(stderr, "%s\n", SW_MSG(err.msg));
			errors++;
		}
		sw_inventory_free(wl, n);
	}
	if (sw_agent_readable(cfg->alerts.baseline)) {
		struct sw_baseline *b = NULL;

		if (sw_baseline_load_file(cfg->alerts.baseline, &b, &err) != SW_EXIT_OK) {
			sw_agent_print_err(cfg->alerts.baseline, err.msg);
			errors++;
		}
		sw_baseline_free(b);
	}
	if (sw_agent_readable(cfg->alerts.config))
		errors += sw_agent_check_alert_config(cfg->alerts.config);
	return errors;
}

static void sw_agent_summary_policy(const struct sw_agent_config *cfg)
{
	const struct sw_agent_policy_cfg *pc = &cfg->policy;
	struct sw_quote q;

	if (!pc->file) {
		printf("  policy    none: flows are not judged\n");
		return;
	}
	printf("  policy    %s, ", sw_text_quote(&q, pc->file));
	if (pc->mode == SW_AGENT_POLICY_JUDGE) {
		printf("judged only (no ruleset)");
	} else {
		printf("enforced, the ruleset %s when the agent stops",
		       pc->on_stop == SW_AGENT_ON_STOP_KEEP ? "kept" : "removed");
		if (pc->nflog_group >= 0)
			printf(", denied packets read from NFLOG group %d", pc->nflog_group);
	}
	printf("%s\n", pc->watch_file ? ", reloaded when it changes" : "");
	if (pc->staged)
		printf("  staged    %s: a candidate every flow is judged by too, never enforced\n",
		       sw_text_quote(&q, pc->staged));
}

/* Member @key of @o as written in the effective config: "1h", "64MiB", 1000000. */
static const char *sw_agent_text(const json_t *o, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, size, "%lld bytes", (long long)json_integer_value(v));
	else
		sw_text_escape(buf, size, json_is_string(v) ? json_string_value(v) : "?");
	return buf;
}

static void sw_agent_summary_history(const struct sw_agent_config *cfg, const json_t *h)
{
	const struct sw_history_opts *o = &cfg->history.opts;
	char every[32], size[32], keep_for[32], keep_size[32];
	struct sw_quote q;

	if (!cfg->history.enabled) {
		printf("  history   off\n");
		return;
	}
	printf("  history   %s: a new file every %s or %s%s; kept %s%s, %s%s\n",
	       sw_text_quote(&q, o->dir), sw_agent_text(h, "rotate_every", every, sizeof(every)),
	       sw_agent_text(h, "rotate_size", size, sizeof(size)),
	       o->compress ? ", compressed (zstd)" : "", o->keep_us ? "for " : "with no age limit",
	       o->keep_us ? sw_agent_text(h, "keep_for", keep_for, sizeof(keep_for)) : "",
	       o->keep_bytes ? "up to " : "with no size limit",
	       o->keep_bytes ? sw_agent_text(h, "keep_size", keep_size, sizeof(keep_size)) : "");
}

static void sw_agent_summary(const char *name, const struct sw_agent_config *cfg, const json_t *j)
{
	const struct sw_agent_identity_cfg *id = &cfg->identity;
	const struct sw_agent_capture_cfg *c = &cfg->capture;
	struct sw_quote q;

	printf("%s: ok\n", SW_CELL(name));
	if (c->opts.n_ifaces)
		printf("  capture   %u interfaces", c->opts.n_ifaces);
	else
		printf("  capture   every bridge and its ports");
	printf(", snaplen %d, %u flows at most, dedup %s%s%s\n", c->opts.snaplen,
	       c->flow.max_flows, sw_agent_dedup_name(c->opts.dedup),
	       c->opts.filter ? ", filter " : "", c->opts.filter ? sw_text_quote(&q, c->opts.filter) : "");
	printf("  identity  engine %s, %s, %u inventor%s\n",
	       id->engine == SW_AGENT_ENGINE_SOCKET ? sw_text_quote(&q, id->engine_socket)
	       : id->engine == SW_AGENT_ENGINE_OFF ? "off" : "auto",
	       id->kernel ? "kernel view" : "no kernel view", id->n_inventories,
	       id->n_inventories == 1 ? "y" : "ies");
	sw_agent_summary_policy(cfg);
	if (cfg->alerts.output)
		printf("  alerts    to %s%s%s%s\n", sw_text_quote(&q, cfg->alerts.output),
		       cfg->alerts.baseline ? ", new edges against a baseline" : "",
		       cfg->alerts.config ? ", own thresholds" : "",
		       cfg->alerts.format == SW_ALERT_FORMAT_ECS ? ", Elastic Common Schema names" : "");
	else
		printf("  alerts    off\n");
	sw_agent_summary_history(cfg, json_object_get(j, "history"));
	printf("  log       %s and above, to %s\n", sw_agent_log_level_name(cfg->log.level),
	       sw_agent_log_target_name(cfg->log.target));
}

/* Print the effective configuration: a summary, or JSON with @flags. */
static int sw_agent_print_config(const char *name, const struct sw_agent_config *cfg, bool json,
				 size_t flags)
{
	char *text = sw_agent_config_json(cfg, flags);
	json_t *j;

	if (!text) {
		fprintf(stderr, "segwatch: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	if (json) {
		printf("%s\n", text);
		free(text);
		return SW_EXIT_OK;
	}
	j = json_loads(text, 0, NULL);
	free(text);
	if (!j) {
		fprintf(stderr, "segwatch: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	sw_agent_summary(name, cfg, j);
	json_decref(j);
	return SW_EXIT_OK;
}

static int sw_agent_check(const char *file, bool json, size_t flags)
{
	const char *name = file ? file : "defaults";
	struct sw_agent_config cfg;
	struct sw_diags d;
	size_t errors;
	int rc = SW_EXIT_OK;

	sw_diags_init(&d);
	if (file)
		rc = sw_agent_config_load(file, &cfg, &d);
	else
		sw_agent_config_defaults(&cfg);
	/* the files it names once the config itself is right */
	if (rc == SW_EXIT_OK)
		sw_agent_config_check_files(&cfg, &d);
	errors = sw_agent_print_diags(name, &d);
	if (rc == SW_EXIT_OK)
		errors += sw_agent_check_contents(&cfg);
	if (rc == SW_EXIT_OK && errors)
		rc = SW_EXIT_USAGE;
	if (rc == SW_EXIT_OK)
		rc = sw_agent_print_config(name, &cfg, json, flags);
	sw_agent_config_clear(&cfg);
	sw_diags_clear(&d);
	return rc;
}

static const struct option sw_agent_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Signal handlers can only talk through globals; these are the agent's. */
static volatile sig_atomic_t sw_agent_stop_flag, sw_agent_reload_flag;

static void sw_agent_on_stop(int sig)
{
	(void)sig;
	sw_agent_stop_flag = 1;
}

static void sw_agent_on_hup(int sig)
{
	(void)sig;
	sw_agent_reload_flag = 1;
}

/* segwatch agent [--config FILE]: run until SIGTERM or SIGINT; SIGHUP reloads. */
static int sw_agent_run_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sw_agent_signals sig = { &sw_agent_stop_flag, &sw_agent_reload_flag };
	struct sigaction sa = { .sa_handler = sw_agent_on_stop };
	char *config = NULL;
	int c, rc;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "c:h", opts, "segwatch agent")) != -1) {
		if (c == 'h' || c != 'c') { /* for anything but -c, sw_cli_getopt said why */
			free(config);
			return c == 'h' ? (sw_agent_usage(stdout), SW_EXIT_OK) : SW_EXIT_USAGE;
		}
		free(config);
		/* the agent reads it again on reload, wherever its cwd is then */
		if (!(config = realpath(optarg, NULL))) {
			fprintf(stderr, "segwatch agent: %s: %m\n", SW_CELL(optarg));
			return SW_EXIT_RUNTIME;
		}
	}
	if (optind < argc) {
		free(config);
		return sw_cli_no_args("segwatch agent", argc, argv, optind);
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = sw_agent_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = sw_agent_run(config, &sig);
	free(config);
	return rc;
}

int sw_cmd_agent(int argc, char **argv)
{
	size_t flags = JSON_COMPACT;
	bool json = false;
	int c;

	if (argc < 2 || argv[1][0] == '-')
		return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ?
			       (sw_agent_usage(stdout), SW_EXIT_OK) : sw_agent_run_cmd(argc, argv);
	if (strcmp(argv[1], "check") != 0) {
		sw_cli_usage_error("segwatch agent", "unknown verb %s (check)", SW_QUOTE(argv[1]));
		return SW_EXIT_USAGE;
	}
	optind = 1;
	while ((c = sw_cli_getopt(argc - 1, argv + 1, "jph", sw_agent_longopts,
				 "segwatch agent check")) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'p': flags = JSON_INDENT(2); break;
		case 'h': sw_agent_check_usage(stdout); return SW_EXIT_OK;
		default: return SW_EXIT_USAGE; /* sw_cli_getopt said why */
		}
	}
	if (flags != JSON_COMPACT && !json)
		sw_cli_warn_unused("segwatch agent check", "--pretty", "without --json");
	if (argc - 1 - optind > 1) {
		sw_cli_usage_error("segwatch agent check", "one FILE at most");
		return SW_EXIT_USAGE;
	}
	return sw_agent_check(optind < argc - 1 ? argv[1 + optind] : NULL, json, flags);
}
