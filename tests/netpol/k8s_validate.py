#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""k8s_validate - is every document of a YAML stream a structurally valid
Kubernetes NetworkPolicy (networking.k8s.io/v1), AdminNetworkPolicy or
BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)?

Usage: k8s_validate.py FILE.yaml... ; exit 0 when all are, 1 with every
problem listed (FILE: document N: path: what) otherwise.

Written from the API's own rules, not from segwatch's code:
  - NetworkPolicy: k8s.io/api/networking/v1 types and the API server's
    validation (pkg/apis/networking/validation): a podSelector, policyTypes
    Ingress/Egress, peers that are ipBlock alone or pod/namespace selectors,
    ports TCP/UDP/SCTP with port 1-65535 (or a service name) and endPort >=
    port only with a numeric port, CIDRs that parse, except inside cidr;
  - AdminNetworkPolicy and BaselineAdminNetworkPolicy: the v1alpha1 CRD of
    sigs.k8s.io/network-policy-api (priority 0-1000, one subject of
    namespaces or pods, at most 100 ingress rules, peers and ports, rule
    names at most 100, actions Allow/Deny/Pass (BANP: Allow/Deny), one of
    portNumber, namedPort or portRange with start < end; the BANP is named
    "default");
  - metadata names DNS-1123 subdomains, namespaces DNS-1123 labels, label
    keys and values as k8s.io/apimachinery/pkg/util/validation says, every
    label value a string (a YAML "yes" read as true is an error), no keys
    the schema does not know.
"""
import ipaddress
import re
import sys

import yaml

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
QUALIFIED = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
IANA_SVC = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


class Checker:
    def __init__(self, where):
        self.where = where
        self.problems = []

    def err(self, path, what):
        self.problems.append("%s: %s: %s" % (self.where, path or "/", what))

    # ---- scalars ----
    def is_int(self, path, v, lo, hi):
        if not isinstance(v, int) or isinstance(v, bool):
            self.err(path, "expected an integer, got %r" % (v,))
            return False
        if not lo <= v <= hi:
            self.err(path, "%d is out of range %d-%d" % (v, lo, hi))
            return False
        return True

    def is_str(self, path, v):
        if not isinstance(v, str):
            self.err(path, "expected a string, got %r" % (v,))
            return False
        return True

    def keys(self, path, m, allowed, required=()):
        if not isinstance(m, dict):
            self.err(path, "expected a mapping, got %r" % (m,))
            return False
        for k in m:
            if k not in allowed:
                self.err(path, "unknown field %r" % (k,))
        for k in required:
            if k not in m:
                self.err(path, "missing required field %r" % (k,))
        return True

    def seq(self, path, v, lo=0, hi=None):
        if not isinstance(v, list):
            self.err(path, "expected a list, got %r" % (v,))
            return []
        if len(v) < lo or (hi is not None and len(v) > hi):
            self.err(path, "%d items, want %d-%s" % (len(v), lo, hi if hi is not None else "any"))
        return v

    # ---- names ----
    def dns_subdomain(self, path, v):
        if not self.is_str(path, v):
            return
        if len(v) > 253 or not all(DNS_LABEL.match(p) for p in v.split(".")):
            self.err(path, "%r is not a DNS-1123 subdomain" % v)

    def dns_label(self, path, v):
        if self.is_str(path, v) and (len(v) > 63 or not DNS_LABEL.match(v)):
            self.err(path, "%r is not a DNS-1123 label" % v)

    def label_key(self, path, k):
        if not self.is_str(path, k):
            return
        prefix, _, name = k.rpartition("/")
        if "/" in k and (not prefix or len(prefix) > 253 or
                         not all(DNS_LABEL.match(p) for p in prefix.split("."))):
            self.err(path, "label key %r: bad prefix" % k)
        if len(name) > 63 or not QUALIFIED.match(name):
            self.err(path, "label key %r: bad name" % k)

    def label_value(self, path, v):
        if self.is_str(path, v) and v != "" and (len(v) > 63 or not QUALIFIED.match(v)):
            self.err(path, "label value %r is not valid" % v)

    # ---- shared ----
    def label_selector(self, path, s):
        if s is None:
            self.err(path, "a label selector cannot be null")
            return
        if not self.keys(path, s, ("matchLabels", "matchExpressions")):
            return
        ml = s.get("matchLabels", {})
        if self.keys(path + "/matchLabels", ml, set(ml)):
            for k, v in ml.items():
                self.label_key(path + "/matchLabels", k)
                self.label_value("%s/matchLabels/%s" % (path, k), v)
        for i, e in enumerate(self.seq(path + "/matchExpressions", s.get("matchExpressions", []))):
            p = "%s/matchExpressions/%d" % (path, i)
            if not self.keys(p, e, ("key", "operator", "values"), ("key", "operator")):
                continue
            self.label_key(p + "/key", e.get("key"))
            op = e.get("operator")
            vals = e.get("values", [])
            if op in ("In", "NotIn"):
                if not self.seq(p + "/values", vals, 1):
                    self.err(p + "/values", "In and NotIn need values")
                for j, v in enumerate(vals):
                    self.label_value("%s/values/%d" % (p, j), v)
            elif op in ("Exists", "DoesNotExist"):
                if vals:
                    self.err(p + "/values", "Exists and DoesNotExist take no values")
            else:
                self.err(p + "/operator", "unknown operator %r" % (op,))

    def metadata(self, m, namespaced):
        if not self.keys("/metadata", m, ("name", "namespace", "labels", "annotations"),
                         ("name",) + (("namespace",) if namespaced else ())):
            return
        self.dns_subdomain("/metadata/name", m.get("name"))
        if namespaced:
            self.dns_label("/metadata/namespace", m.get("namespace"))
        elif "namespace" in m:
            self.err("/metadata/namespace", "a cluster-scoped object has no namespace")
        for k, v in (m.get("labels") or {}).items():
            self.label_key("/metadata/labels", k)
            self.label_value("/metadata/labels/" + str(k), v)
        for k, v in (m.get("annotations") or {}).items():
            self.label_key("/metadata/annotations", k)
            self.is_str("/metadata/annotations/" + str(k), v)

    # ---- NetworkPolicy ----
    def cidr(self, path, v):
        if not self.is_str(path, v):
            return None
        try:
            return ipaddress.ip_network(v, strict=False)
        except ValueError:
            self.err(path, "%r is not a CIDR" % v)
            return None

    def np_peer(self, path, p):
        if not self.keys(path, p, ("podSelector", "namespaceSelector", "ipBlock")):
            return
        if not p:
            self.err(path, "a peer needs podSelector, namespaceSelector or ipBlock")
        if "ipBlock" in p:
            if len(p) > 1:
                self.err(path, "ipBlock cannot be combined with selectors")
            b = p["ipBlock"]
            if self.keys(path + "/ipBlock", b, ("cidr", "except"), ("cidr",)):
                net = self.cidr(path + "/ipBlock/cidr", b.get("cidr"))
                for i, e in enumerate(self.seq(path + "/ipBlock/except", b.get("except", []))):
                    sub = self.cidr("%s/ipBlock/except/%d" % (path, i), e)
                    if net and sub and (sub.version != net.version or not sub.subnet_of(net)
                                        or sub == net):
                        self.err("%s/ipBlock/except/%d" % (path, i), "must be strictly inside cidr")
        for k in ("podSelector", "namespaceSelector"):
            if k in p:
                self.label_selector(path + "/" + k, p[k])

    def np_port(self, path, p):
        if not self.keys(path, p, ("protocol", "port", "endPort")):
            return
        if p.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
            self.err(path + "/protocol", "unknown protocol %r" % (p.get("protocol"),))
        port = p.get("port")
        if isinstance(port, str):
            if len(port) > 15 or not IANA_SVC.match(port) or not re.search("[a-z]", port):
                self.err(path + "/port", "%r is not a port name" % port)
            if "endPort" in p:
                self.err(path + "/endPort", "endPort needs a numeric port")
        elif port is not None:
            self.is_int(path + "/port", port, 1, 65535)
        if "endPort" in p:
            if port is None:
                self.err(path + "/endPort", "endPort needs port")
            elif self.is_int(path + "/endPort", p["endPort"], 1, 65535) and isinstance(port, int) \
                    and p["endPort"] < port:
                self.err(path + "/endPort", "endPort %d < port %d" % (p["endPort"], port))

    def np_rules(self, path, rules, peer_key):
        for i, r in enumerate(self.seq(path, rules)):
            p = "%s/%d" % (path, i)
            if not self.keys(p, r, (peer_key, "ports")):
                continue
            for j, peer in enumerate(self.seq(p + "/" + peer_key, r.get(peer_key, []))):
                self.np_peer("%s/%s/%d" % (p, peer_key, j), peer)
            for j, port in enumerate(self.seq(p + "/ports", r.get("ports", []))):
                self.np_port("%s/ports/%d" % (p, j), port)

    def networkpolicy(self, d):
        self.metadata(d.get("metadata"), True)
        s = d.get("spec")
        if not self.keys("/spec", s, ("podSelector", "policyTypes", "ingress", "egress"),
                         ("podSelector",)):
            return
        self.label_selector("/spec/podSelector", s.get("podSelector"))
        types = self.seq("/spec/policyTypes", s.get("policyTypes", []), 0, 2)
        for i, t in enumerate(types):
            if t not in ("Ingress", "Egress"):
                self.err("/spec/policyTypes/%d" % i, "unknown policy type %r" % (t,))
        if len(set(map(str, types))) != len(types):
            self.err("/spec/policyTypes", "listed twice")
        self.np_rules("/spec/ingress", s.get("ingress", []), "from")
        self.np_rules("/spec/egress", s.get("egress", []), "to")

    # ---- AdminNetworkPolicy / BaselineAdminNetworkPolicy ----
    def anp_pods(self, path, v):
        if self.keys(path, v, ("namespaceSelector", "podSelector"),
                     ("namespaceSelector", "podSelector")):
            self.label_selector(path + "/namespaceSelector", v.get("namespaceSelector"))
            self.label_selector(path + "/podSelector", v.get("podSelector"))

    def anp_one_of(self, path, v, kinds):
        if not self.keys(path, v, kinds):
            return
        if len(v) != 1:
            self.err(path, "exactly one of %s" % ", ".join(kinds))
        for k, x in v.items():
            if k == "namespaces":
                self.label_selector(path + "/namespaces", x)
            elif k == "pods":
                self.anp_pods(path + "/pods", x)

    def anp_port(self, path, p):
        if not self.keys(path, p, ("portNumber", "namedPort", "portRange")):
            return
        if len(p) != 1:
            self.err(path, "exactly one of portNumber, namedPort, portRange")
        if "portNumber" in p:
            q = p["portNumber"]
            if self.keys(path + "/portNumber", q, ("protocol", "port"), ("protocol", "port")):
                if q.get("protocol") not in ("TCP", "UDP", "SCTP"):
                    self.err(path + "/portNumber/protocol", "unknown protocol %r" % (q.get("protocol"),))
                self.is_int(path + "/portNumber/port", q.get("port"), 1, 65535)
        if "namedPort" in p:
            self.is_str(path + "/namedPort", p["namedPort"])
        if "portRange" in p:
            q = p["portRange"]
            if self.keys(path + "/portRange", q, ("protocol", "start", "end"), ("start", "end")):
                if q.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
                    self.err(path + "/portRange/protocol", "unknown protocol %r" % (q.get("protocol"),))
                a = self.is_int(path + "/portRange/start", q.get("start"), 1, 65535)
                b = self.is_int(path + "/portRange/end", q.get("end"), 1, 65535)
                if a and b and not q["start"] < q["end"]:
                    self.err(path + "/portRange", "start must be less than end")

    def anp_spec(self, s, baseline):
        allowed = ("subject", "ingress", "egress") + (() if baseline else ("priority",))
        if not self.keys("/spec", s, allowed, ("subject",) + (() if baseline else ("priority",))):
            return
        if not baseline:
            self.is_int("/spec/priority", s.get("priority"), 0, 1000)
        self.anp_one_of("/spec/subject", s.get("subject"), ("namespaces", "pods"))
        actions = ("Allow", "Deny") if baseline else ("Allow", "Deny", "Pass")
        for i, r in enumerate(self.seq("/spec/ingress", s.get("ingress", []), 0, 100)):
            p = "/spec/ingress/%d" % i
            if not self.keys(p, r, ("name", "action", "from", "ports"), ("action", "from")):
                continue
            if "name" in r and self.is_str(p + "/name", r["name"]) and len(r["name"]) > 100:
                self.err(p + "/name", "longer than 100")
            if r.get("action") not in actions:
                self.err(p + "/action", "action %r is not one of %s" % (r.get("action"), actions))
            for j, peer in enumerate(self.seq(p + "/from", r.get("from"), 1, 100)):
                self.anp_one_of("%s/from/%d" % (p, j), peer, ("namespaces", "pods"))
            for j, port in enumerate(self.seq(p + "/ports", r.get("ports", []), 0, 100)):
                self.anp_port("%s/ports/%d" % (p, j), port)
        if "egress" in s:
            self.seq("/spec/egress", s["egress"], 0, 100)

    def document(self, d):
        if not self.keys("", d, ("apiVersion", "kind", "metadata", "spec"),
                         ("apiVersion", "kind", "metadata", "spec")):
            return None
        kind = (d.get("apiVersion"), d.get("kind"))
        if kind == ("networking.k8s.io/v1", "NetworkPolicy"):
            self.networkpolicy(d)
        elif kind == ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"):
            self.metadata(d.get("metadata"), False)
            self.anp_spec(d.get("spec"), False)
        elif kind == ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"):
            self.metadata(d.get("metadata"), False)
            if (d.get("metadata") or {}).get("name") != "default":
                self.err("/metadata/name", "the BaselineAdminNetworkPolicy must be named default")
            self.anp_spec(d.get("spec"), True)
        else:
            self.err("", "not a known kind: %r" % (kind,))
        return kind


def check_stream(path):
    problems, names, priorities, count = [], set(), {}, 0
    with open(path, encoding="utf-8") as f:
        docs = list(yaml.safe_load_all(f))
    for n, d in enumerate(docs):
        if d is None:
            continue
        count += 1
        c = Checker("%s: document %d" % (path, n + 1))
        kind = c.document(d)
        problems += c.problems
        if not kind or not isinstance(d.get("metadata"), dict):
            continue
        key = (kind[1], d["metadata"].get("namespace"), d["metadata"].get("name"))
        if key in names:
            problems.append("%s: document %d: %s %s/%s named twice" % ((path, n + 1) + key))
        names.add(key)
        if kind[1] == "AdminNetworkPolicy" and isinstance(d.get("spec"), dict):
            pr = d["spec"].get("priority")
            if pr in priorities:
                problems.append("%s: document %d: priority %s already given to %s (the order of "
                                "equal priorities is undefined)" % (path, n + 1, pr, priorities[pr]))
            priorities[pr] = d["metadata"].get("name")
    return count, problems


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: k8s_validate.py FILE.yaml...")
    bad = 0
    for path in sys.argv[1:]:
        count, problems = check_stream(path)
        for p in problems:
            print(p)
        bad += len(problems)
        if not problems:
            print("%s: %d document%s valid" % (path, count, "" if count == 1 else "s"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
