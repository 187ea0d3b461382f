/* ctool top: the processes of a container, as podman top shows them:
 * from its cgroup, or, without one, from its pid namespace. */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "start.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct proc_info {
  pid_t host_pid;
  long ns_pid, ns_ppid;     /* as the container sees them */
  unsigned uid;             /* host UID */
  unsigned long long ticks; /* utime + stime */
  unsigned long long start; /* clock ticks after boot */
  int tty_nr;
  char comm[64];
  char *args;
};

/* The last entry of "NSpid:" / "NSpgid"-like lines: the innermost namespace. */
static long
last_number(const char *line)
{
  const char *p = line + strlen(line);
  while (p > line && !isdigit((unsigned char) p[-1]))
    p--;
  while (p > line && isdigit((unsigned char) p[-1]))
    p--;
  return strtol(p, NULL, 10);
}

static bool
proc_read(pid_t pid, struct proc_info *pi)
{
  memset(pi, 0, sizeof *pi);
  pi->host_pid = pid;
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_file FILE *f = fopen(path, "re");
  if (f == NULL || fgets(line, sizeof line, f) == NULL)
    return false;
  char *open = strchr(line, '('), *close = strrchr(line, ')');
  if (open == NULL || close == NULL)
    return false;
  snprintf(pi->comm, sizeof pi->comm, "%.*s", (int) (close - open - 1), open + 1);
  /* After ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt
   * majflt cmajflt utime stime cutime cstime priority nice threads
   * itrealvalue starttime */
  char state;
  int ppid, pgrp, session;
  unsigned long long utime, stime;
  if (sscanf(close + 2, "%c %d %d %d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu", &state,
             &ppid, &pgrp, &session, &pi->tty_nr, &utime, &stime, &pi->start)
      != 8)
    return false;
  pi->ticks = utime + stime;
  snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
  cleanup_file FILE *s = fopen(path, "re");
  while (s && fgets(line, sizeof line, s))
    {
      if (strncmp(line, "NSpid:", 6) == 0)
        pi->ns_pid = last_number(line);
      else if (strncmp(line, "Uid:", 4) == 0)
        pi->uid = (unsigned) strtoul(line + 4, NULL, 10);
    }
  pi->ns_ppid = ppid; /* fixed up against the list below */
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
  cleanup_free char *cmd = NULL;
  cleanup_file FILE *c = fopen(path, "re");
  if (c)
    {
      cmd = xzalloc(4097);
      size_t n = fread(cmd, 1, 4096, c);
      while (n > 0 && cmd[n - 1] == '\0')
        n--;
      for (size_t i = 0; i < n; i++)
        if (cmd[i] == '\0')
          cmd[i] = ' ';
      cmd[n] = '\0';
      if (n == 0)
        free(steal_pointer(&cmd));
    }
  pi->args = cmd ? steal_pointer(&cmd) : xasprintf("[%s]", pi->comm);
  return true;
}

/* Without a cgroup: every process in the pid namespace of the init. */
static void
pids_of_namespace(pid_t init, pid_t **pids, size_t *n)
{
  char path[300];
  struct stat want, st;
  *pids = xzalloc(sizeof **pids);
  *n = 0;
  snprintf(path, sizeof path, "/proc/%d/ns/pid", (int) init);
  if (stat(path, &want) < 0)
    return;
  cleanup_dir DIR *d = opendir("/proc");
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL)
    {
      if (!isdigit((unsigned char) de->d_name[0]))
        continue;
      snprintf(path, sizeof path, "/proc/%s/ns/pid", de->d_name);
      if (stat(path, &st) < 0 || st.st_ino != want.st_ino || st.st_dev != want.st_dev)
        continue;
      *pids = xrealloc(*pids, (*n + 2) * sizeof **pids);
      (*pids)[(*n)++] = (pid_t) atoi(de->d_name);
      (*pids)[*n] = 0;
    }
}

static int
cmp_pid(const void *a, const void *b)
{
  const struct proc_info *x = a, *y = b;
  return (x->ns_pid > y->ns_pid) - (x->ns_pid < y->ns_pid);
}

/* The user name inside the container, from its /etc/passwd. */
static char *
user_name(pid_t init, unsigned host_uid)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/uid_map", (int) init);
  cleanup_file FILE *m = fopen(path, "re");
  unsigned inside, outside, count;
  long uid = -1;
  while (m && fscanf(m, "%u %u %u", &inside, &outside, &count) == 3)
    if (host_uid >= outside && host_uid - outside < count)
      uid = (long) (inside + (host_uid - outside));
  if (uid < 0)
    return xasprintf("%u", host_uid);
  snprintf(path, sizeof path, "/proc/%d/root/etc/passwd", (int) init);
  cleanup_file FILE *p = fopen(path, "re");
  char line[512];
  while (p && fgets(line, sizeof line, p))
    {
      char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (c2 && strtol(c2 + 1, NULL, 10) == uid)
        return xstrndup(line, (size_t) (c1 - line));
    }
  return xasprintf("%ld", uid);
}

static void
format_cputime(char *buf, size_t len, unsigned long long secs)
{
  if (secs >= 86400)
    snprintf(buf, len, "%llu-%02llu:%02llu:%02llu", secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
  else
    snprintf(buf, len, "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60, secs % 60);
}

/* Go's time.Duration printing, as podman top's ELAPSED: 1h2m3.5s. */
static void
format_elapsed(char *buf, size_t len, double secs)
{
  long long h = (long long) (secs / 3600), m = (long long) (secs / 60) % 60;
  double s = secs - (double) (h * 3600 + m * 60);
  if (h)
    snprintf(buf, len, "%lldh%lldm%.9gs", h, m, s);
  else if (m)
    snprintf(buf, len, "%lldm%.9gs", m, s);
  else
    snprintf(buf, len, "%.9gs", s);
}

static double
uptime_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *const descriptors[][2] = {
  { "user", "USER" }, { "pid", "PID" }, { "ppid", "PPID" }, { "pcpu", "%CPU" }, { "etime", "ELAPSED" },
  { "tty", "TTY" },   { "time", "TIME" }, { "args", "COMMAND" }, { "comm", "COMMAND" }, { "huser", "HUSER" },
  { "hpid", "HPID" },
};

static int
descriptor_index(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(descriptors); i++)
    if (strcmp(name, descriptors[i][0]) == 0)
      return (int) i;
  return -1;
}

static char *
field(int which, const struct proc_info *pi, pid_t init, long hz, double now)
{
  char buf[64];
  double age = now - (double) pi->start / (double) hz;
  if (age < 0.001)
    age = 0.001;
  switch (which)
    {
    case 0: return user_name(init, pi->uid);
    case 1: return xasprintf("%ld", pi->ns_pid);
    case 2: return xasprintf("%ld", pi->ns_ppid);
    case 3: return xasprintf("%.3f", 100.0 * ((double) pi->ticks / (double) hz) / age);
    case 4: format_elapsed(buf, sizeof buf, (double) (long long) (age * 1e6) / 1e6); return xstrdup(buf);
    case 5:
      if (pi->tty_nr == 0)
        return xstrdup("?");
      return xasprintf("pts/%d", ((pi->tty_nr >> 12) & 0xfff00) | (pi->tty_nr & 0xff));
    case 6: format_cputime(buf, sizeof buf, pi->ticks / (unsigned long long) hz); return xstrdup(buf);
    case 7: return xstrdup(pi->args);
    case 8: return xstrdup(pi->comm);
    case 9: return xasprintf("%u", pi->uid);
    default: return xasprintf("%d", (int) pi->host_pid);
    }
}

/* ps-style descriptors, one per argument or comma-separated, into WHICH. */
static int
parse_descriptors(struct cli_args *args, int *which, size_t max, size_t *cols, ctool_error_t *err)
{
  *cols = 0;
  for (size_t i = 1; i < cli_nargs(args); i++)
    {
      cleanup_free char *list = xstrdup(cli_arg(args, i));
      char *save = NULL;
      for (char *d = strtok_r(list, ", ", &save); d; d = strtok_r(NULL, ", ", &save))
        {
          int k = descriptor_index(d);
          if (k < 0)
            return ctool_error_set(err, 0, "unknown descriptor '%s': use user, pid, ppid, pcpu, etime, tty, time, "
                                           "args, comm, huser or hpid", d);
          if (*cols < max)
            which[(*cols)++] = k;
        }
    }
  if (*cols == 0)
    for (int k = 0; k < 8; k++)
      which[(*cols)++] = k;
  return 0;
}

/* The container's processes, sorted by PID, with PPIDs as it sees them. */
static struct proc_info *
read_processes(const struct container *c, pid_t init, size_t *got)
{
  pid_t *pids = NULL;
  size_t n = 0;
  cleanup_free char *path = ctr_cgroup_path(c);
  ctool_error_t e = NULL;
  if (path == NULL || cgroup_pids(path, &pids, &n, &e) < 0)
    {
      ctool_error_free(&e);
      free(pids);
      pids_of_namespace(init, &pids, &n);
    }
  struct proc_info *procs = xzalloc((n + 1) * sizeof *procs);
  *got = 0;
  for (size_t i = 0; i < n; i++)
    if (proc_read(pids[i], &procs[*got]))
      (*got)++;
  free(pids);
  memset(&procs[*got], 0, sizeof *procs);
  for (size_t i = 0; i < *got; i++)
    {
      long host_ppid = procs[i].ns_ppid;
      procs[i].ns_ppid = 0;
      for (size_t j = 0; j < *got; j++)
        if (procs[j].host_pid == host_ppid)
          procs[i].ns_ppid = procs[j].ns_pid;
    }
  qsort(procs, *got, sizeof *procs, cmp_pid);
  return procs;
}

static void
print_table(const struct proc_info *procs, size_t got, pid_t init, const int *which, size_t cols)
{
  long hz = sysconf(_SC_CLK_TCK);
  double now = uptime_seconds();
  char ***cells = xzalloc((got + 1) * sizeof *cells);
  size_t width[32] = { 0 };
  for (size_t r = 0; r <= got; r++)
    {
      cells[r] = xzalloc(cols * sizeof **cells);
      for (size_t k = 0; k < cols; k++)
        {
          cells[r][k] = r == 0 ? xstrdup(descriptors[which[k]][1]) : field(which[k], &procs[r - 1], init, hz, now);
          if (strlen(cells[r][k]) > width[k])
            width[k] = strlen(cells[r][k]);
        }
    }
  for (size_t r = 0; r <= got; r++)
    {
      for (size_t k = 0; k < cols; k++)
        {
          if (k + 1 < cols)
            printf("%-*s   ", (int) width[k], cells[r][k]);
          else
            printf("%s\n", cells[r][k]);
          free(cells[r][k]);
        }
      free(cells[r]);
    }
  free(cells);
}

static int
run_top(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int which[32];
  size_t cols;
  if (parse_descriptors(args, which, ARRAY_SIZE(which), &cols, err) < 0)
    return -1;
  struct container *c = NULL;
  if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
    return -1;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0 || !status_is_live(st.status))
    {
      if (*err == NULL)
        ctool_error_set(err, 0, "top can only be used on running containers: %s is %s", c->name,
                        ctr_status_name(st.status));
      container_free(c);
      return -1;
    }
  size_t got = 0;
  struct proc_info *procs = read_processes(c, st.pid, &got);
  print_table(procs, got, st.pid, which, cols);
  for (size_t i = 0; i < got; i++)
    free(procs[i].args);
  free(procs);
  container_free(c);
  return 0;
}

static const struct cli_option top_options[] = {
  { NULL },
};

/* "top", and "container top" with the same fields. */
#define TOP_COMMAND \
  .summary = "Display the running processes of a container", .usage = "CONTAINER [FORMAT-DESCRIPTORS]", \
  .handler = run_top, .options = top_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_top = { .name = "top", TOP_COMMAND };

const struct cli_command cmd_container_top = { .name = "top", TOP_COMMAND, .alias_of = "top" };
