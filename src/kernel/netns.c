/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which namespace is behind an nsid. A host veth tells only IFLA_LINK_NETNSID,
 * the number this namespace gave its peer's namespace. To put a name on it we
 * open the namespaces we can find (the names under /run/netns first, then
 * /proc/PID/ns/net of every process) and ask the kernel for the nsid of each
 * with RTM_GETNSID (NETNSA_FD), comparing numbers; the nsfs inode of a match
 * becomes the workload's uid.
 *
 * No file descriptor of a namespace is kept: it would keep the namespace (and
 * the veth in it) alive after its container stopped. Only the path and the
 * inode are kept, and the inode is checked again whenever the path is opened.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "internal.h"

#define SW_NETNS_DIR "/run/netns"

struct sw_nsid_req {
	int32_t nsid;
	bool done;
};

static int sw_nsid_reply(struct nl_msg *msg, void *arg)
{
	static const struct nla_policy policy[NETNSA_MAX + 1] = {
		[NETNSA_NSID] = { .type = NLA_S32 },
	};
	struct nlattr *tb[NETNSA_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct sw_nsid_req *r = arg;

	if (h->nlmsg_type != RTM_NEWNSID)
		return NL_SKIP;
	if (nlmsg_parse(h, sizeof(struct rtgenmsg), tb, NETNSA_MAX, policy) < 0)
		return NL_SKIP;
	if (tb[NETNSA_NSID])
		r->nsid = nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

static int sw_nsid_ack(struct nl_msg *msg, void *arg)
{
	struct sw_nsid_req *r = arg;

	(void)msg;
	r->done = true;
	return NL_STOP;
}

/**
 * sw_netns_nsid - the nsid this namespace gave the namespace open on @fd
 * @rq: a blocking NETLINK_ROUTE socket of this namespace
 * @nsid: set to the id, or NETNSA_NSID_NOT_ASSIGNED (-1) when it has none
 *
 * Returns 0 or a negative libnl error (-NLE_INVAL: @fd is not a namespace).
 */
int sw_netns_nsid(struct nl_sock *rq, int fd, int32_t *nsid)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct sw_nsid_req r = { .nsid = NETNSA_NSID_NOT_ASSIGNED };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc = -NLE_NOMEM;

	if (!msg || !cb)
		goto out;
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0)
		goto out;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, sw_nsid_reply, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, sw_nsid_ack, &r);
	rc = nl_send_auto(rq, msg);
	while (rc >= 0 && !r.done)
		rc = nl_recvmsgs(rq, cb);
	if (rc >= 0) {
		*nsid = r.nsid;
		rc = 0;
	}
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return rc;
}

uint64_t sw_netns_self_inode(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* One pass over the namespaces we can find, looking for the unresolved entries. */
struct sw_resolve {
	struct sw_kernel *k;
	size_t left;		/* unresolved entries not found yet */
	uint64_t *seen;		/* inodes already asked about in this pass */
	size_t n_seen, cap_seen;
};

static bool sw_resolve_known(const struct sw_resolve *r, uint64_t inode)
{
	if (inode == r->k->self_inode)
		return true;
	for (size_t i = 0; i < r->n_seen; i++)
		if (r->seen[i] == inode)
			return true;
	return false;
}

/* sw_resolve_remember - if memory runs out, the namespace may only be asked about twice. */
static void sw_resolve_remember(struct sw_resolve *r, uint64_t inode)
{
	if (r->n_seen == r->cap_seen) {
		size_t cap = r->cap_seen ? r->cap_seen * 2 : 64;
		uint64_t *s = realloc(r->seen, cap * sizeof(*s));

		if (!s)
			return;
		r->seen = s;
		r->cap_seen = cap;
	}
	r->seen[r->n_seen++] = inode;
}

/* sw_resolve_unresolved - the unresolved entry for @nsid, or NULL. */
static struct sw_kns *sw_resolve_unresolved(const struct sw_kernel *k, int32_t nsid)
{
	struct sw_kns *ns = nsid >= 0 ? sw_kns_find(k, nsid) : NULL;

	return ns && !ns->inode ? ns : NULL;
}

static void sw_read_comm(int pid, char comm[16])
{
	char path[64];
	FILE *f;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, 16, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/*
 * sw_resolve_try - open @path; if it is the namespace of an unresolved entry,
 * fill that entry in (@name for /run/netns, else @pid).
 */
static void sw_resolve_try(struct sw_resolve *r, const char *path, const char *name, int pid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int32_t nsid;
	struct sw_kns *ns;

	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || sw_resolve_known(r, st.st_ino)) {
		close(fd);
		return;
	}
	sw_resolve_remember(r, st.st_ino);
	ns = sw_netns_nsid(r->k->rq, fd, &nsid) == 0 ? sw_resolve_unresolved(r->k, nsid) : NULL;
	close(fd);
	if (!ns)
		return;
	free(ns->path);
	free(ns->name);
	ns->path = strdup(path);
	ns->name = name ? strdup(name) : NULL;
	if (!ns->path || (name && !ns->name)) {
		free(ns->path);
		free(ns->name);
		ns->path = ns->name = NULL;
		return;
	}
	ns->inode = st.st_ino;
	ns->pid = pid;
	if (pid)
		sw_read_comm(pid, ns->comm);
	r->left--;
}

static void sw_resolve_named(struct sw_resolve *r)
{
	DIR *d = opendir(SW_NETNS_DIR);
	struct dirent *de;
	char path[sizeof(SW_NETNS_DIR) + 256 + 1];

	if (!d)
		return;	/* no named namespaces on this host */
	while (r->left && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", SW_NETNS_DIR, de->d_name);
		sw_resolve_try(r, path, de->d_name, 0);
	}
	closedir(d);
}

/* sw_resolve_procs - every process, lowest PID first: it names the namespace. */
static void sw_resolve_procs(struct sw_resolve *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64];
	struct stat st;

	if (!d)
		return;
	while (r->left && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/ns/net", de->d_name);
		/* stat first: most processes share a namespace already asked about */
		if (stat(path, &st) == 0 && !sw_resolve_known(r, st.st_ino))
			sw_resolve_try(r, path, NULL, atoi(de->d_name));
	}
	closedir(d);
}

/**
 * sw_netns_resolve - find the namespace of every unresolved entry
 *
 * One pass over /run/netns, then over /proc if some are still missing (it
 * stops as soon as none is). Entries not found stay unresolved and are
 * counted in stats.ns_unresolved. Returns true if any entry was resolved.
 */
bool sw_netns_resolve(struct sw_kernel *k)
{
	struct sw_resolve r = { .k = k };
	size_t before;

	for (size_t i = 0; i < k->n_ns; i++)
		r.left += !k->ns[i]->inode;
	before = r.left;
	if (!r.left)
		return false;
	k->st.ns_resolves++;
	sw_resolve_named(&r);
	if (r.left)
		sw_resolve_procs(&r);
	free(r.seen);
	k->st.ns_unresolved = r.left;
	return r.left < before;
}

/* sw_netns_reopen - open @ns again by its path; -1 if it is gone or is another namespace now. */
int sw_netns_reopen(const struct sw_kns *ns)
{
	struct stat st;
	int fd;

	if (!ns->path)
		return -1;
	fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != ns->inode) {
		close(fd);
		return -1;
	}
	return fd;
}
