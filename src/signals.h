/* Signal names as users type them: "TERM", "SIGTERM", "term", "15". */
#ifndef CTOOL_SIGNALS_H
#define CTOOL_SIGNALS_H

/* The number, or -1 for anything that is not a signal. RTMIN+N works. */
int signal_parse(const char *s);
/* "TERM" for 15; NULL for numbers without a name. */
const char *signal_name(int sig);

#endif
