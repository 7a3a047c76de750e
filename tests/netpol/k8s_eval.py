#!/usr/bin/env python3
"""k8s_eval.py - an independent evaluator of Kubernetes NetworkPolicy
(networking.k8s.io/v1), written from the Kubernetes API documentation, not
from segwatch's code: which pod-to-pod connections the policies allow.

    k8s_eval.py --pods PODS.json [--namespaces NS.json] --ports tcp:80,udp:53 POLICY.yaml...

prints one JSON object per line, for every (client, server, port) with two
different pods: {"src": NAME, "dst": NAME, "proto": "tcp", "port": 80,
"allowed": true}. PODS is a segwatch inventory (name, namespace, labels, ips);
NS is `kubectl get namespaces -o json`. Used as a module: evaluate().
AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io
v1alpha1) are judged too, per direction: the first matching admin rule by
priority (Allow, Deny; Pass goes on), then NetworkPolicy when it isolates
the pod in that direction, then the baseline's first matching rule.

The rules (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
- a policy selects the pods of its namespace that match spec.podSelector;
- policyTypes, when absent: Ingress, plus Egress when spec.egress has rules;
- a pod selected by some policy with Ingress in policyTypes is isolated for
  ingress: a connection to it must be allowed by some ingress rule of some
  policy selecting it (and with Ingress in its types); the same for egress;
- a connection needs both the source's egress and the destination's ingress;
- a rule without from/to (or an empty list) matches every peer; without
  ports (or an empty list) every port and protocol;
- peer: podSelector alone = pods of the policy's namespace; namespaceSelector
  alone = every pod of matching namespaces; both = matching pods of matching
  namespaces; ipBlock = addresses in cidr and in no except;
- port: protocol (default TCP), port (a number; a name matches no port here:
  the test pods declare none), endPort (a range port..endPort).
"""
import argparse
import ipaddress
import json
import sys

import yaml


def load_objects(path):
    """Every Kubernetes object of a YAML file (multi-document, List items)."""
    out = []
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if not isinstance(doc, dict):
                continue
            if doc.get("kind", "").endswith("List"):
                out.extend(i for i in doc.get("items") or [] if isinstance(i, dict))
            else:
                out.append(doc)
    return out


def selector_matches(sel, labels):
    """A LabelSelector: {} matches everything."""
    if sel is None:
        return True
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e["key"], e["operator"], e.get("values") or []
        if op == "In" and not (k in labels and labels[k] in vals):
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def policy_types(spec):
    if spec.get("policyTypes"):
        return set(spec["policyTypes"])
    types = {"Ingress"}
    if spec.get("egress"):
        types.add("Egress")
    return types


class World:
    def __init__(self, pods, namespaces):
        self.pods = pods            # name -> {"namespace", "labels", "ips"}
        self.ns_labels = namespaces  # name -> labels

    def ns_of(self, pod):
        ns = pod["namespace"]
        labels = dict(self.ns_labels.get(ns, {}))
        labels["kubernetes.io/metadata.name"] = ns
        return labels


def peer_matches(world, peer, policy_ns, pod):
    if "ipBlock" in peer and peer["ipBlock"] is not None:
        block = peer["ipBlock"]
        net = ipaddress.ip_network(block["cidr"], strict=False)
        for ip in pod["ips"]:
            a = ipaddress.ip_address(ip)
            if a.version == net.version and a in net and not any(
                    a.version == ipaddress.ip_network(x, strict=False).version and
                    a in ipaddress.ip_network(x, strict=False) for x in block.get("except") or []):
                return True
        return False
    ns_sel, pod_sel = peer.get("namespaceSelector"), peer.get("podSelector")
    if ns_sel is None and pod_sel is None:
        return False
    if ns_sel is None:
        ns_ok = pod["namespace"] == policy_ns
    else:
        ns_ok = selector_matches(ns_sel, world.ns_of(pod))
    return ns_ok and selector_matches(pod_sel, pod["labels"])


def port_matches(ports, proto, port):
    if not ports:
        return True
    for p in ports:
        if (p.get("protocol") or "TCP").lower() != proto:
            continue
        want = p.get("port")
        if want is None:
            return True
        if isinstance(want, str):
            continue  # a named port: the test pods declare none
        end = p.get("endPort")
        if (end is None and port == want) or (end is not None and want <= port <= end):
            return True
    return False


def direction_allows(world, policies, pod, peer, proto, port, direction):
    """Is the connection allowed on @pod's side (Ingress: @pod is the server)?"""
    key, side = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    isolated = False
    for pol in policies:
        ns = (pol.get("metadata") or {}).get("namespace") or "default"
        spec = pol.get("spec") or {}
        if ns != pod["namespace"] or not selector_matches(spec.get("podSelector") or {}, pod["labels"]):
            continue
        if direction not in policy_types(spec):
            continue
        isolated = True
        for rule in spec.get(key) or []:
            peers = rule.get(side) or []
            if peers and not any(peer_matches(world, p, ns, peer) for p in peers):
                continue
            if port_matches(rule.get("ports"), proto, port):
                return True
    return not isolated


def admin_subject(world, subj, pod):
    if "namespaces" in subj:
        return selector_matches(subj["namespaces"], world.ns_of(pod))
    p = subj.get("pods") or {}
    return (selector_matches(p.get("namespaceSelector") or {}, world.ns_of(pod)) and
            selector_matches(p.get("podSelector") or {}, pod["labels"]))


def admin_peer(world, peer, pod):
    if "networks" in peer:
        return any(ipaddress.ip_address(ip) in ipaddress.ip_network(n, strict=False)
                   for n in peer["networks"] for ip in pod["ips"]
                   if ipaddress.ip_address(ip).version == ipaddress.ip_network(n, strict=False).version)
    if "namespaces" in peer or "pods" in peer:
        return admin_subject(world, peer, pod)
    return False  # nodes: no test pod is a node


def admin_ports(ports, proto, port):
    if not ports:
        return True
    for p in ports:
        if "portNumber" in p:
            x = p["portNumber"]
            if (x.get("protocol") or "TCP").lower() == proto and x["port"] == port:
                return True
        elif "portRange" in p:
            x = p["portRange"]
            if (x.get("protocol") or "TCP").lower() == proto and x["start"] <= port <= x["end"]:
                return True
    return False  # namedPort: the test pods declare none


def admin_verdict(world, objs, pod, peer, proto, port, direction):
    """The first matching admin rule's action for @pod's @direction, or None."""
    key, side = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for o in objs:
        spec = o.get("spec") or {}
        if not admin_subject(world, spec.get("subject") or {}, pod):
            continue
        for rule in spec.get(key) or []:
            if any(admin_peer(world, p, peer) for p in rule.get(side) or []) and \
                    admin_ports(rule.get("ports"), proto, port):
                return rule["action"]
    return None


def np_isolates(policies, pod, direction):
    return any(((p.get("metadata") or {}).get("namespace") or "default") == pod["namespace"] and
               selector_matches((p.get("spec") or {}).get("podSelector") or {}, pod["labels"]) and
               direction in policy_types(p.get("spec") or {}) for p in policies)


def tiered_allows(world, policies, anps, banps, pod, peer, proto, port, direction):
    """AdminNetworkPolicy (by priority), then NetworkPolicy, then the baseline."""
    v = admin_verdict(world, anps, pod, peer, proto, port, direction)
    if v in ("Allow", "Deny"):
        return v == "Allow"
    if np_isolates(policies, pod, direction):
        return direction_allows(world, policies, pod, peer, proto, port, direction)
    v = admin_verdict(world, banps, pod, peer, proto, port, direction)
    return v != "Deny"


def evaluate(world, policies, src, dst, proto, port, anps=(), banps=()):
    """Kubernetes' verdict for src -> dst:port; with AdminNetworkPolicy objects
    (sorted by priority, then as given) and BaselineAdminNetworkPolicy ones when given."""
    s, d = world.pods[src], world.pods[dst]
    anps = sorted(anps, key=lambda o: (o.get("spec") or {}).get("priority", 0))
    return (tiered_allows(world, policies, anps, banps, s, d, proto, port, "Egress") and
            tiered_allows(world, policies, anps, banps, d, s, proto, port, "Ingress"))


def load_world(pods_path, ns_path):
    with open(pods_path) as f:
        inv = json.load(f)
    pods = {w["name"]: {"namespace": w.get("namespace", "default"),
                        "labels": w.get("labels") or {}, "ips": w.get("ips") or []}
            for w in inv["workloads"]}
    namespaces = {}
    if ns_path:
        for o in load_objects(ns_path):
            if o.get("kind") == "Namespace":
                md = o.get("metadata") or {}
                namespaces[md["name"]] = md.get("labels") or {}
    return World(pods, namespaces)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pods", required=True)
    ap.add_argument("--namespaces")
    ap.add_argument("--ports", required=True, help="tcp:80,udp:53,...")
    ap.add_argument("policies", nargs="+")
    a = ap.parse_args()
    world = load_world(a.pods, a.namespaces)
    objs = [o for p in a.policies for o in load_objects(p)]
    policies = [o for o in objs if o.get("kind") == "NetworkPolicy"]
    anps = [o for o in objs if o.get("kind") == "AdminNetworkPolicy"]
    banps = [o for o in objs if o.get("kind") == "BaselineAdminNetworkPolicy"]
    ports = [(x.split(":")[0].lower(), int(x.split(":")[1])) for x in a.ports.split(",")]
    for src in world.pods:
        for dst in world.pods:
            if src == dst:
                continue
            for proto, port in ports:
                print(json.dumps({"src": src, "dst": dst, "proto": proto, "port": port,
                                  "allowed": evaluate(world, policies, src, dst, proto, port,
                                                              anps, banps)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
