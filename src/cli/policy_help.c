/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The --help of `segwatch policy` and of each of its verbs: one text each, so
 * that `segwatch policy test --help` (and `segwatch help policy test`, and the
 * man page made from it) says only what test takes.
 */
#include <stdio.h>
#include <string.h>

#include <segwatch/compile.h>

#include "cli.h"
#include "identity.h"
#include "policy_cmd.h"

#define SW_STR_(x) #x
#define SW_STR(x) SW_STR_(x)

#define SW_POLICY_HELP_LOG_GROUP                                                   \
	"      --log-group N      NFLOG group for denied and monitored packets\n"   \
	"                         (default " SW_STR(SW_COMPILE_LOG_GROUP) ")\n"

#define SW_POLICY_HELP_END "  -h, --help             this text\n\n"

#define SW_POLICY_HELP_CODES SW_HELP_EXIT SW_HELP_EXIT_0 SW_HELP_EXIT_2 SW_HELP_EXIT_3

static const struct sw_policy_help {
	const char *verb;
	const char *summary;	/* the line in `segwatch policy --help` */
	const char *text;	/* the rest, from "usage:" to the exit codes */
} sw_policy_helps[] = {
	{ "check", "report every error and warning of a policy file",
	  "usage: segwatch policy check FILE [--json]\n\n"
	  "Read the policy FILE and report every error (file:line:col, or the JSON Pointer\n"
	  "of the value, with a did-you-mean) and warning (rules that never match or are\n"
	  "shadowed by an earlier one). Nothing is compiled or applied.\n\n"
	  "  -j, --json             one JSON document on stdout (docs/policy.md) instead\n"
	  "                         of text on stderr\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy check shop.json\n"
	  "  segwatch policy check --json shop.json | jq .diagnostics\n"
	  SW_POLICY_HELP_CODES },
	{ "compile", "print the nftables script a policy becomes with today's workloads",
	  "usage: segwatch policy compile FILE [IDENTITY OPTIONS] [--log-group N] [--payload]\n\n"
	  "Resolve the policy's groups to today's workloads (their addresses) and print\n"
	  "the nftables script `apply` would load, without touching the kernel. A group\n"
	  "that selects no running workload is named on stderr.\n\n"
	  SW_IDENTITY_HELP
	  SW_POLICY_HELP_LOG_GROUP
	  "      --payload          the rules as libnftnl sends them, not the script\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy compile shop.json\n"
	  "  segwatch policy compile shop.json --inventory pods.json --no-engine --no-kernel\n"
	  SW_POLICY_HELP_CODES },
	{ "apply", "load a policy into the kernel as one atomic batch",
	  "usage: segwatch policy apply FILE [IDENTITY OPTIONS] [--log-group N] [--cut] [--watch]\n"
	  "       segwatch policy apply FILE [IDENTITY OPTIONS] [--log-group N] --json\n\n"
	  "Load the compiled ruleset into the kernel as one atomic batch, in segwatch's own\n"
	  "table (inet segwatch); a failure leaves the old ruleset in force. Needs\n"
	  "CAP_NET_ADMIN.\n\n"
	  SW_IDENTITY_HELP
	  SW_POLICY_HELP_LOG_GROUP
	  "      --cut              after apply, end the connections opened before it that\n"
	  "                         it denies (their conntrack entries): answers of an\n"
	  "                         allowed connection pass as established, so without\n"
	  "                         this they live on until they close\n"
	  "      --watch            after apply, keep the group sets in step with containers\n"
	  "                         starting and stopping (small set-element batches), until\n"
	  "                         Ctrl-C or SIGTERM (exit 0)\n"
	  "  -j, --json             what was applied as one JSON document on stdout\n"
	  "                         (docs/policy.md); not with --cut or --watch\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy apply shop.json\n"
	  "  segwatch policy apply shop.json --inventory pods.json --json\n"
	  "  segwatch policy apply shop.json --cut --watch\n"
	  SW_POLICY_HELP_CODES },
	{ "status", "the applied ruleset as the kernel holds it",
	  "usage: segwatch policy status [--json]\n\n"
	  "The applied ruleset as the kernel holds it: which policy, when and from which\n"
	  "file, rules with counters and actions, sets, bridged-traffic mode; with the\n"
	  "L2 guard (\"l2_guard\" in the policy), table bridge segwatch's rules and sets.\n\n"
	  "  -j, --json             JSON output\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy status\n"
	  "  segwatch policy status --json\n"
	  SW_POLICY_HELP_CODES },
	{ "remove", "delete everything segwatch added to the kernel",
	  "usage: segwatch policy remove\n\n"
	  "Delete segwatch's table (inet segwatch) and everything in it, and the L2\n"
	  "guard's (bridge segwatch) when there is one. Nothing applied is not an error:\n"
	  "\"nothing to remove\", exit 0.\n\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy remove\n"
	  SW_POLICY_HELP_CODES },
	{ "import", "turn Kubernetes NetworkPolicy YAML into a segwatch policy",
	  "usage: segwatch policy import FILE.yaml... [--namespaces NS.json] [-o FILE] [--name N]\n"
	  "                              [--json]\n\n"
	  "Read Kubernetes NetworkPolicy objects (networking.k8s.io/v1; multi-document\n"
	  "YAML, JSON, or a List as `kubectl get networkpolicy -A -o yaml` prints) and\n"
	  "write the segwatch policy that allows exactly what they allow: groups of\n"
	  "match terms (namespace AND labels, ipBlock with except) and first-match\n"
	  "rules (docs/policy.md, \"Importing Kubernetes NetworkPolicy\"). Whatever\n"
	  "cannot be imported (named ports, unknown kinds and fields) is a warning on\n"
	  "stderr naming its file:line:col and YAML path, and is left out on the side\n"
	  "that allows less. `policy test` and `report --policy` read a .yaml file\n"
	  "directly, importing it in memory.\n\n"
	  "      --namespaces FILE  the namespaces' labels (kubectl get namespaces -o json),\n"
	  "                         for namespaceSelectors on other labels than\n"
	  "                         kubernetes.io/metadata.name; resolved at import time\n"
	  "  -o, --output FILE      write the policy to FILE (atomically; never over an\n"
	  "                         input) instead of stdout\n"
	  "      --name N           the policy's name (default k8s-import)\n"
	  "  -j, --json             a summary on stdout (counts, every warning with its\n"
	  "                         place; the policy itself when there is no -o)\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  kubectl get networkpolicy -A -o yaml > np.yaml\n"
	  "  kubectl get namespaces -o json > ns.json\n"
	  "  segwatch policy import np.yaml --namespaces ns.json -o k8s.json\n"
	  "  segwatch policy test np.yaml --flows /var/lib/segwatch/flows --since 2h\n"
	  "  segwatch policy import deny-all.yaml web.yaml --json | jq .diagnostics\n"
	  SW_POLICY_HELP_CODES },
	{ "test", "replay recorded flows against a policy: what it would deny",
	  "usage: segwatch policy test FILE --flows FLOWS|DIR|PCAP... [--since T] [--until T]\n"
	  "                            [IDENTITY OPTIONS] [--json]\n\n"
	  "Replay recorded flows against the policy and list the connections it would\n"
	  "deny, by rule: a gate for CI before `apply`. FLOWS: segwatch capture -w or\n"
	  "--json output, the agent's history directory or its .zst files, or a pcap\n"
	  "read here with the identity options.\n\n"
	  "      --flows FLOWS      recorded flows (repeatable)\n"
	  "      --since T          only flows still going at or after T: 10m, 2h, 7d\n"
	  "                         (ago), 2026-12-01T14:00:00Z, @EPOCH (as segwatch flows)\n"
	  "      --until T          only flows that began at or before T\n"
	  SW_IDENTITY_HELP
	  "  -j, --json             JSON output\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy test new.json --flows /var/lib/segwatch/flows --since 2h\n"
	  "  segwatch policy test new.json --flows trace.pcap --inventory pods.json\n"
	  SW_HELP_EXIT SW_HELP_EXIT_0
	  "  1  some recorded connections would be denied\n"
	  SW_HELP_EXIT_2 SW_HELP_EXIT_3 },
	{ "export", "write a policy as Kubernetes NetworkPolicy or AdminNetworkPolicy YAML",
	  "usage: segwatch policy export FILE --format FORMAT [--namespace NS] [-o YAML_FILE] [--json]\n\n"
	  "Write the policy FILE as Kubernetes YAML, one document per object (---), for\n"
	  "kubectl apply -f. FORMAT networkpolicy (networking.k8s.io/v1): per destination\n"
	  "group a NetworkPolicy with one ingress rule per allow rule, and a default-deny\n"
	  "per namespace; adminnetworkpolicy (policy.networking.k8s.io/v1alpha1): per rule\n"
	  "an AdminNetworkPolicy with priorities in the policy's order, Allow and Deny, the\n"
	  "default as the BaselineAdminNetworkPolicy. What the format cannot say (deny and\n"
	  "order in NetworkPolicy, monitor mode, ICMP, name patterns other than NS/*) is\n"
	  "left out with a warning on stderr naming its place and which way it errs\n"
	  "(docs/policy.md, \"Exporting to Kubernetes\").\n\n"
	  "      --format FORMAT    networkpolicy or adminnetworkpolicy (required)\n"
	  "      --namespace NS     namespace of groups that name none (default: default)\n"
	  "  -o, --output YAML_FILE the YAML, written whole or not at all (default: stdout)\n"
	  "  -j, --json             a summary on stdout (documents, warnings); needs -o\n"
	  SW_POLICY_HELP_END
	  "examples:\n"
	  "  segwatch policy export shop.json --format networkpolicy --namespace shop -o shop.yaml\n"
	  "  segwatch policy export shop.json --format adminnetworkpolicy | kubectl apply -f -\n"
	  "  segwatch policy export shop.json --format networkpolicy -o np.yaml --json | jq .warnings\n"
	  SW_POLICY_HELP_CODES },
};

const char *sw_policy_verb_names(void)
{
	static char names[160];	/* the table's verbs, so a message cannot miss one */
	size_t len = 0;

	if (names[0])
		return names;
	for (size_t i = 0; i < sizeof(sw_policy_helps) / sizeof(sw_policy_helps[0]); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
					sw_policy_helps[i].verb);
	return names;
}

bool sw_policy_help(FILE *out, const char *verb)
{
	size_t n = sizeof(sw_policy_helps) / sizeof(sw_policy_helps[0]);

	for (size_t i = 0; verb && i < n; i++)
		if (strcmp(verb, sw_policy_helps[i].verb) == 0) {
			if (out)
				fputs(sw_policy_helps[i].text, out);
			return true;
		}
	if (verb)
		return false;
	fputs("usage: segwatch policy VERB [OPTIONS]   (segwatch policy VERB --help for its options)\n\n"
	      "The policy path: a policy file -> check -> compile -> one atomic nftables\n"
	      "batch, or out to Kubernetes YAML (export). docs/policy.md describes the\n"
	      "language.\n\n"
	      "verbs:\n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-8s %s\n", sw_policy_helps[i].verb, sw_policy_helps[i].summary);
	fputs("\n" SW_POLICY_HELP_END
	      "examples:\n"
	      "  segwatch policy check shop.json\n"
	      "  segwatch policy test shop.json --flows /var/lib/segwatch/flows --since 2h\n"
	      "  segwatch policy apply shop.json --watch\n"
	      "  segwatch policy export shop.json --format networkpolicy -o shop.yaml\n"
	      "  segwatch help policy test              the options of one verb\n"
	      SW_HELP_EXIT SW_HELP_EXIT_0
	      "  1  test: some recorded connections would be denied\n"
	      SW_HELP_EXIT_2 SW_HELP_EXIT_3, out);
	return true;
}
