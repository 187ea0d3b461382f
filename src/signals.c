#include "signals.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
  const char *name;
  int num;
} signal_table[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },     { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CONT", SIGCONT },     { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },     { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },     { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

int
signal_parse(const char *s)
{
  if (s == NULL || *s == '\0')
    return -1;
  unsigned long long n;
  if (str_to_u64(s, &n))
    return n >= 1 && n <= (unsigned long long) SIGRTMAX ? (int) n : -1;
  if (strncasecmp(s, "SIG", 3) == 0)
    s += 3;
  for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
    if (strcasecmp(s, signal_table[i].name) == 0)
      return signal_table[i].num;
  if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0)
    {
      bool min = strncasecmp(s, "RTMIN", 5) == 0;
      const char *off = s + 5;
      if (*off == '\0')
        return min ? SIGRTMIN : SIGRTMAX;
      if ((min && *off != '+') || (!min && *off != '-') || !str_to_u64(off + 1, &n))
        return -1;
      int sig = min ? SIGRTMIN + (int) n : SIGRTMAX - (int) n;
      return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
    }
  return -1;
}

const char *
signal_name(int sig)
{
  for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
    if (signal_table[i].num == sig)
      return signal_table[i].name;
  return NULL;
}
