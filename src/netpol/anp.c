/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * (policy.networking.k8s.io/v1alpha1): not translated yet; each is a
 * warning naming it, and left out.
 */
#include "internal.h"

void sw_np_read_anp(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj, bool baseline)
{
	(void)m;
	sw_np_warn(c, obj, "%s is not imported yet: left out (its rules do not apply)",
		   baseline ? "BaselineAdminNetworkPolicy" : "AdminNetworkPolicy");
}
