/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_FUZZ_CHECK_H
#define SW_FUZZ_CHECK_H

/*
 * fuzz_check.h - what every libFuzzer target shares (fuzz_target.cmake puts
 * this folder on each target's include path).
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken contract is a crash: libFuzzer keeps the input that caused it. */
#define SW_FUZZ_CHECK(cond)                                                    \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

#endif
