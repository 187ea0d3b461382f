/* Align tab-separated columns the way Go's text/tabwriter does (the
 * elastic tabstops Podman's and Docker's tables use). */
#ifndef CTOOL_TABWRITER_H
#define CTOOL_TABWRITER_H

#include <stddef.h>

/* Podman's table writer: tabwriter.NewWriter(w, 12, 2, 2, ' ', 0). */
#define TABWRITER_MINWIDTH 12
#define TABWRITER_PADDING 2

/* TEXT is lines of cells; a cell ends at a tab, and the text after a
 * line's last tab is not part of a column. Each column of consecutive
 * lines is padded with spaces to max(MINWIDTH, widest cell + PADDING),
 * widths counted in UTF-8 characters. Returns a new string. */
char *tabwriter_align(const char *text, size_t minwidth, size_t padding);

#endif
