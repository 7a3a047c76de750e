/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_FLOW_CRYPTO_API_H
#define SW_FLOW_CRYPTO_API_H

/*
 * crypto_api - libcrypto, opened on first use (include/segwatch/dynlib.h):
 * the three functions Community IDs need (community_id.c), typed by
 * <openssl/evp.h>. Linked, it was a third of what start-up cost every
 * command after libcurl went (docs/benchmarks.md, issue 14), for the few
 * that print Community IDs.
 */

#include <openssl/evp.h>

#include <segwatch/exit.h>

struct sw_crypto_api {
	__typeof__(EVP_MD_fetch) *EVP_MD_fetch;
	__typeof__(EVP_Digest) *EVP_Digest;
	__typeof__(EVP_EncodeBlock) *EVP_EncodeBlock;
};

/* sw_crypto_api - libcrypto's functions, opened the first time; NULL with @err when it cannot be. */
const struct sw_crypto_api *sw_crypto_api(struct sw_err *err);

#endif
