/* ctool stats: CPU, memory, network, block I/O and PIDs of running
 * containers, from their cgroups (and /proc/PID/net/dev), as podman stats
 * shows them. What cannot be measured (no cgroup, no controller) is "--". */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "format.h"
#include "jsonutil.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sample {
  struct container *c;
  pid_t pid;
  char *cgroup;
  bool has_stats;
  struct cgroup_stats st;
  double at;               /* monotonic seconds */
  double cpu_percent;      /* -1: unknown */
  bool has_net;
  unsigned long long rx, tx;
};

static double
now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Bytes received and sent on every interface but lo, seen from the
 * container's network namespace. */
static bool
read_net_dev(pid_t pid, unsigned long long *rx, unsigned long long *tx)
{
  char path[64], line[512];
  snprintf(path, sizeof path, "/proc/%d/net/dev", (int) pid);
  cleanup_file FILE *f = fopen(path, "re");
  if (f == NULL)
    return false;
  *rx = *tx = 0;
  while (fgets(line, sizeof line, f))
    {
      char *colon = strchr(line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      char *name = line + strspn(line, " ");
      if (strcmp(name, "lo") == 0)
        continue;
      unsigned long long r, t;
      if (sscanf(colon + 1, "%llu %*u %*u %*u %*u %*u %*u %*u %llu", &r, &t) == 2)
        *rx += r, *tx += t;
    }
  return true;
}

static void
sample_take(struct sample *s)
{
  ctool_error_t e = NULL;
  s->has_stats = s->cgroup && cgroup_read_stats(s->cgroup, &s->st, &e) == 0;
  ctool_error_free(&e);
  s->at = now_seconds();
  s->has_net = read_net_dev(s->pid, &s->rx, &s->tx);
}

/* Go's units.HumanSize, as Podman prints sizes: 4 significant digits, powers of 1000. */
static char *
human_size(double v)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
  size_t i = 0;
  while (v >= 1000 && i + 1 < ARRAY_SIZE(units))
    v /= 1000, i++;
  return xasprintf("%.4g%s", v, units[i]);
}

static unsigned long long
host_memory(void)
{
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (unsigned long long) pages * (unsigned long long) size : 0;
}

static json_object *
str(char *s)
{
  json_object *o = json_object_new_string(s);
  free(s);
  return o;
}

static json_object *
sample_json(const struct sample *s, bool json_keys)
{
  json_object *o = json_object_new_object();
  const char *k_id = json_keys ? "id" : "ID", *k_name = json_keys ? "name" : "Name";
  json_object_object_add(o, k_id, json_keys ? json_object_new_string(s->c->id) : str(xstrndup(s->c->id, 12)));
  json_object_object_add(o, k_name, json_object_new_string(s->c->name));
  bool cpu = s->has_stats && s->st.has_cpu && s->cpu_percent >= 0;
  json_object_object_add(o, json_keys ? "cpu_percent" : "CPUPerc",
                         str(cpu ? xasprintf("%.2f%%", s->cpu_percent) : xstrdup("--")));
  json_object_object_add(o, json_keys ? "cpu_time" : "CPU",
                         str(s->has_stats && s->st.has_cpu
                                 ? xasprintf("%.6gs", (double) s->st.cpu_usage_usec / 1e6)
                                 : xstrdup("--")));
  bool mem = s->has_stats && s->st.has_memory;
  unsigned long long limit = mem && s->st.memory_max ? s->st.memory_max : host_memory();
  char *usage = mem ? human_size((double) s->st.memory_current) : xstrdup("--");
  char *lim = mem ? human_size((double) limit) : xstrdup("--");
  json_object_object_add(o, json_keys ? "mem_usage" : "MemUsage", str(xasprintf("%s / %s", usage, lim)));
  free(usage);
  free(lim);
  json_object_object_add(o, json_keys ? "mem_percent" : "MemPerc",
                         str(mem && limit ? xasprintf("%.2f%%", 100.0 * (double) s->st.memory_current / (double) limit)
                                          : xstrdup("--")));
  char *rx = s->has_net ? human_size((double) s->rx) : xstrdup("--");
  char *tx = s->has_net ? human_size((double) s->tx) : xstrdup("--");
  json_object_object_add(o, json_keys ? "net_io" : "NetIO", str(xasprintf("%s / %s", rx, tx)));
  free(rx);
  free(tx);
  bool io = s->has_stats && s->st.has_io;
  char *r = io ? human_size((double) s->st.io_read_bytes) : xstrdup("--");
  char *w = io ? human_size((double) s->st.io_write_bytes) : xstrdup("--");
  json_object_object_add(o, json_keys ? "block_io" : "BlockIO", str(xasprintf("%s / %s", r, w)));
  free(r);
  free(w);
  json_object_object_add(o, json_keys ? "pids" : "PIDs",
                         str(s->has_stats && s->st.has_pids ? xasprintf("%llu", (unsigned long long) s->st.pids_current)
                                                            : xstrdup("--")));
  return o;
}

static const char default_table[] =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
static const char *const stats_headers[] = {
  "ID=ID", "Name=NAME", "CPUPerc=CPU %", "MemUsage=MEM USAGE / LIMIT", "MemPerc=MEM %", "NetIO=NET IO",
  "BlockIO=BLOCK IO", "PIDs=PIDS", "CPU=CPU TIME", NULL,
};

/* The running containers asked for (all running ones without names). */
static int
collect(struct cli_ctx *ctx, struct cli_args *args, struct sample **out, size_t *n, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t count = 0;
  if (cli_nargs(args) == 0)
    {
      if (container_list(ctx, &list, &count, err) < 0)
        return -1;
    }
  else
    {
      list = xzalloc((cli_nargs(args) + 1) * sizeof *list);
      for (size_t i = 0; i < cli_nargs(args); i++)
        {
          if (container_lookup(ctx, cli_arg(args, i), &list[count], err) < 0)
            {
              container_list_free(list, count);
              return -1;
            }
          count++;
        }
    }
  struct sample *s = xzalloc((count + 1) * sizeof *s);
  size_t kept = 0;
  for (size_t i = 0; i < count; i++)
    {
      struct ctr_state st;
      ctool_error_t e = NULL;
      if (container_state(list[i], &st, &e) < 0 || !status_is_live(st.status))
        {
          if (cli_nargs(args) > 0 && e == NULL)
            ctool_error_set(&e, 0, "container %s is not running", list[i]->name);
          if (cli_nargs(args) > 0)
            {
              *err = e;
              for (size_t j = 0; j < kept; j++)
                free(s[j].cgroup);
              free(s);
              container_list_free(list, count);
              return -1;
            }
          ctool_error_free(&e);
          container_free(list[i]);
          continue;
        }
      s[kept].c = list[i];
      s[kept].pid = st.pid;
      s[kept].cgroup = ctr_cgroup_path(list[i]);
      s[kept].cpu_percent = -1;
      kept++;
    }
  free(list);
  *out = s;
  *n = kept;
  return 0;
}

static void
samples_free(struct sample *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free(s[i].cgroup);
      container_free(s[i].c);
    }
  free(s);
}

/* Take a sample of each and the CPU % since the previous one. */
static void
refresh(struct sample *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      struct sample prev = s[i];
      sample_take(&s[i]);
      if (prev.at > 0 && prev.has_stats && s[i].has_stats && s[i].at > prev.at)
        s[i].cpu_percent = (double) (s[i].st.cpu_usage_usec - prev.st.cpu_usage_usec) / 1e6
                           / (s[i].at - prev.at) * 100.0;
    }
}

static int
print_samples(const struct sample *s, size_t n, const char *format, ctool_error_t *err)
{
  bool json = format && strcmp(format, "json") == 0;
  cleanup_json json_object *arr = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    json_object_array_add(arr, sample_json(&s[i], json));
  if (json)
    {
      printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }
  return format_output_headers(format ? format : default_table, arr, true, stats_headers, err);
}

static void
sleep_seconds(double secs)
{
  struct timespec ts = { .tv_sec = (time_t) secs, .tv_nsec = (long) ((secs - (double) (time_t) secs) * 1e9) };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int
run_stats(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "table") == 0)
    format = NULL;
  bool stream = !cli_flag(args, "no-stream");
  struct sample *s = NULL;
  size_t n = 0;
  if (collect(ctx, args, &s, &n, err) < 0)
    return -1;
  /* Two samples for CPU %: a short gap for one report, a second when streaming. */
  refresh(s, n);
  sleep_seconds(stream ? 1.0 : 0.2);
  refresh(s, n);
  int ret = 0;
  for (;;)
    {
      if (stream && isatty(STDOUT_FILENO))
        fputs("\033[2J\033[H", stdout);
      if (print_samples(s, n, format, err) < 0)
        {
          ret = -1;
          break;
        }
      fflush(stdout);
      if (!stream)
        break;
      sleep_seconds(1.0);
      refresh(s, n);
    }
  samples_free(s, n);
  return ret;
}

static const struct cli_option stats_options[] = {
  { "no-stream", 0, OPT_BOOL, NULL, "Print one report and exit instead of updating every second", NULL },
  { "format", 0, OPT_STRING, "FORMAT", "Output as json or a Go template, e.g. '{{.Name}} {{.CPUPerc}}'",
    COMPLETE_NONE },
  { NULL },
};

/* "stats", and "container stats" with the same fields. */
#define STATS_COMMAND \
  .summary = "Display a live stream of resource usage of containers", .usage = "[options] [CONTAINER...]", \
  .handler = run_stats, .options = stats_options, .max_args = -1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_stats = { .name = "stats", STATS_COMMAND };

const struct cli_command cmd_container_stats = { .name = "stats", STATS_COMMAND, .alias_of = "stats" };
