/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_IPFIX_FIXBUF_API_H
#define SW_IPFIX_FIXBUF_API_H

/*
 * fixbuf_api - libfixbuf (and glib behind it), opened on first use
 * (include/segwatch/dynlib.h): the functions encode.c calls, typed by
 * <fixbuf/public.h>. Fields keep the functions' names (fixbuf defines no
 * macros over them); call them as fb->fBufAppend(...).
 */

#include <fixbuf/public.h>

#include <segwatch/exit.h>

struct sw_fixbuf_api {
	__typeof__(fbInfoModelAlloc) *fbInfoModelAlloc;
	__typeof__(fbInfoModelAddElementArray) *fbInfoModelAddElementArray;
	__typeof__(fbInfoModelFree) *fbInfoModelFree;
	__typeof__(fbTemplateAlloc) *fbTemplateAlloc;
	__typeof__(fbTemplateAppendSpecArray) *fbTemplateAppendSpecArray;
	__typeof__(fbTemplateFreeUnused) *fbTemplateFreeUnused;
	__typeof__(fbSessionAlloc) *fbSessionAlloc;
	__typeof__(fbSessionFree) *fbSessionFree;
	__typeof__(fbSessionSetDomain) *fbSessionSetDomain;
	__typeof__(fbSessionAddTemplate) *fbSessionAddTemplate;
	__typeof__(fbSessionSetMetadataExportElements) *fbSessionSetMetadataExportElements;
	__typeof__(fbSessionExportTemplates) *fbSessionExportTemplates;
	__typeof__(fbExporterAllocFP) *fbExporterAllocFP;
	__typeof__(fBufAllocForExport) *fBufAllocForExport;
	__typeof__(fBufFree) *fBufFree;
	__typeof__(fBufGetSession) *fBufGetSession;
	__typeof__(fBufSetAutomaticMode) *fBufSetAutomaticMode;
	__typeof__(fBufSetInternalTemplate) *fBufSetInternalTemplate;
	__typeof__(fBufSetExportTemplate) *fBufSetExportTemplate;
	__typeof__(fBufAppend) *fBufAppend;
	__typeof__(fBufEmit) *fBufEmit;
	__typeof__(g_clear_error) *g_clear_error;	/* glib's (SW_FIXBUF_NEEDS) */
};

/*
 * sw_fixbuf_api - libfixbuf's functions, the library opened the first time
 * (thread-safe); NULL with @err (SW_EXIT_RUNTIME, naming the library and
 * its package) when it cannot be.
 */
const struct sw_fixbuf_api *sw_fixbuf_api(struct sw_err *err);

#endif
