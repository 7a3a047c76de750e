/* SPDX-License-Identifier: GPL-2.0-or-later */
/* segwatch: everything is in segwatch_core; main only hands over argv. */
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return sw_cli_run(argc, argv);
}
