/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcrypto opened on first use (crypto_api.h); SW_CRYPTO_* come from CMake. */
#include <segwatch/dynlib.h>

#include "crypto_api.h"

#define SW_SYM(name) SW_DYNLIB_SYM(struct sw_crypto_api, name, #name)

static const struct sw_dynlib_sym sw_crypto_syms[] = {
	SW_SYM(EVP_MD_fetch),
	SW_SYM(EVP_Digest),
	SW_SYM(EVP_EncodeBlock),
};

_Static_assert(sizeof(struct sw_crypto_api) ==
	       sizeof(sw_crypto_syms) / sizeof(sw_crypto_syms[0]) * sizeof(void (*)(void)),
	       "every field of struct sw_crypto_api needs its line in sw_crypto_syms");

static struct sw_crypto_api sw_crypto;
static struct sw_dynlib sw_crypto_lib =
	SW_DYNLIB_INIT(SW_CRYPTO_SONAME, SW_CRYPTO_PACKAGE, SW_CRYPTO_NEEDS, sw_crypto_syms,
		       &sw_crypto);

const struct sw_crypto_api *sw_crypto_api(struct sw_err *err)
{
	return sw_dynlib_load(&sw_crypto_lib, err) == SW_EXIT_OK ? &sw_crypto : NULL;
}
