/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libfixbuf opened on first use (fixbuf_api.h); SW_FIXBUF_* come from CMake. */
#include <segwatch/dynlib.h>

#include "fixbuf_api.h"

#define SW_SYM(name) SW_DYNLIB_SYM(struct sw_fixbuf_api, name, #name)

static const struct sw_dynlib_sym sw_fixbuf_syms[] = {
	SW_SYM(fbInfoModelAlloc),
	SW_SYM(fbInfoModelAddElementArray),
	SW_SYM(fbInfoModelFree),
	SW_SYM(fbTemplateAlloc),
	SW_SYM(fbTemplateAppendSpecArray),
	SW_SYM(fbTemplateFreeUnused),
	SW_SYM(fbSessionAlloc),
	SW_SYM(fbSessionFree),
	SW_SYM(fbSessionSetDomain),
	SW_SYM(fbSessionAddTemplate),
	SW_SYM(fbSessionSetMetadataExportElements),
	SW_SYM(fbSessionExportTemplates),
	SW_SYM(fbExporterAllocFP),
	SW_SYM(fBufAllocForExport),
	SW_SYM(fBufFree),
	SW_SYM(fBufGetSession),
	SW_SYM(fBufSetAutomaticMode),
	SW_SYM(fBufSetInternalTemplate),
	SW_SYM(fBufSetExportTemplate),
	SW_SYM(fBufAppend),
	SW_SYM(fBufEmit),
	SW_SYM(g_clear_error),
};

_Static_assert(sizeof(struct sw_fixbuf_api) ==
	       sizeof(sw_fixbuf_syms) / sizeof(sw_fixbuf_syms[0]) * sizeof(void (*)(void)),
	       "every field of struct sw_fixbuf_api needs its line in sw_fixbuf_syms");

static struct sw_fixbuf_api sw_fixbuf;
static struct sw_dynlib sw_fixbuf_lib =
	SW_DYNLIB_INIT(SW_FIXBUF_SONAME, SW_FIXBUF_PACKAGE, SW_FIXBUF_NEEDS, sw_fixbuf_syms,
		       &sw_fixbuf);

const struct sw_fixbuf_api *sw_fixbuf_api(struct sw_err *err)
{
	return sw_dynlib_load(&sw_fixbuf_lib, err) == SW_EXIT_OK ? &sw_fixbuf : NULL;
}
