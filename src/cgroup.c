/* cgroup v2: manager choice, limits, and the operations on a container's
 * cgroup directory that every manager shares. */
#include "cgroup-internal.h"
#include "fsutil.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

void
cgroup_limits_init(struct cgroup_limits *l)
{
  memset(l, 0, sizeof *l);
  l->memory = l->memory_reservation = l->memory_swap = -1;
  l->cpu_quota = l->cpu_period = l->cpu_shares = -1;
  l->pids_limit = l->blkio_weight = -1;
}

void
cgroup_limits_clear(struct cgroup_limits *l)
{
  free(l->cpuset_cpus);
  cgroup_limits_init(l);
}

int
cgroup_parse_memory(const char *s, int64_t *out, ctool_error_t *err)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || v < 0)
    return ctool_error_set(err, 0, "invalid memory size '%s': use a number with an optional unit b, k, m or g (e.g. 512m)", s);
  /* An optional unit, then an optional "b": 512, 512k, 512m, 1g, 1gb. */
  static const char units[] = "bkmgt";
  double mult = 1;
  const char *u = *end ? strchr(units, tolower((unsigned char) *end)) : NULL;
  if (*end && u == NULL)
    return ctool_error_set(err, 0, "invalid memory size '%s': use a number with an optional unit b, k, m or g (e.g. 512m)", s);
  if (u)
    {
      for (long power = u - units; power > 0; power--) /* b=0, k=1, m=2, ... */
        mult *= 1024.0;
      end++;
      if (u != units && (*end == 'b' || *end == 'B'))
        end++;
    }
  if (*end != '\0')
    return ctool_error_set(err, 0, "invalid memory size '%s': use a number with an optional unit b, k, m or g (e.g. 512m)", s);
  double bytes = v * mult;
  if (bytes > (double) INT64_MAX)
    return ctool_error_set(err, 0, "memory size '%s' is too large", s);
  *out = (int64_t) bytes;
  return 0;
}

int
cgroup_parse_cpus(const char *s, struct cgroup_limits *l, ctool_error_t *err)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || v <= 0 || v > 1024)
    return ctool_error_set(err, 0, "invalid --cpus '%s': use a positive number of CPUs such as 1.5", s);
  l->cpu_period = 100000;
  l->cpu_quota = (int64_t) llround(v * 100000.0);
  return 0;
}

uint64_t
cgroup_shares_to_weight(uint64_t shares)
{
  /* cgroup v1 shares 2..262144 onto v2 weight 1..10000, as Podman and runc do. */
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t
cgroup_blkio_to_io_weight(uint64_t weight)
{
  /* blkio weight 10..1000 onto io.weight 1..10000. */
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

json_object *
cgroup_limits_to_oci(const struct cgroup_limits *l)
{
  json_object *r = json_object_new_object();
  json_object *mem = json_object_new_object();
  if (l->memory >= 0)
    json_object_object_add(mem, "limit", json_object_new_int64(l->memory));
  if (l->memory_reservation >= 0)
    json_object_object_add(mem, "reservation", json_object_new_int64(l->memory_reservation));
  if (l->memory_swap >= 0 || l->memory_swap == CGROUP_SWAP_UNLIMITED)
    json_object_object_add(mem, "swap", json_object_new_int64(l->memory_swap >= 0 ? l->memory_swap : -1));
  json_object_object_add(r, "memory", mem);
  json_object *cpu = json_object_new_object();
  if (l->cpu_quota >= 0)
    json_object_object_add(cpu, "quota", json_object_new_int64(l->cpu_quota));
  if (l->cpu_period >= 0)
    json_object_object_add(cpu, "period", json_object_new_int64(l->cpu_period));
  if (l->cpu_shares >= 0)
    json_object_object_add(cpu, "shares", json_object_new_int64(l->cpu_shares));
  if (l->cpuset_cpus)
    json_object_object_add(cpu, "cpus", json_object_new_string(l->cpuset_cpus));
  json_object_object_add(r, "cpu", cpu);
  if (l->pids_limit >= 0)
    {
      json_object *pids = json_object_new_object();
      json_object_object_add(pids, "limit", json_object_new_int64(l->pids_limit));
      json_object_object_add(r, "pids", pids);
    }
  if (l->blkio_weight >= 0)
    {
      json_object *bio = json_object_new_object();
      json_object_object_add(bio, "weight", json_object_new_int64(l->blkio_weight));
      json_object_object_add(r, "blockIO", bio);
    }
  return r;
}

static int64_t
oci_int(json_object *o, const char *key)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
    return json_object_get_int64(v);
  return -1;
}

void
cgroup_limits_from_oci(json_object *r, struct cgroup_limits *l)
{
  cgroup_limits_init(l);
  json_object *mem = NULL, *cpu = NULL, *pids = NULL, *bio = NULL, *v;
  if (r == NULL)
    return;
  json_object_object_get_ex(r, "memory", &mem);
  json_object_object_get_ex(r, "cpu", &cpu);
  json_object_object_get_ex(r, "pids", &pids);
  json_object_object_get_ex(r, "blockIO", &bio);
  l->memory = oci_int(mem, "limit");
  l->memory_reservation = oci_int(mem, "reservation");
  l->memory_swap = oci_int(mem, "swap");
  if (mem && json_object_object_get_ex(mem, "swap", &v) && json_object_get_int64(v) == -1)
    l->memory_swap = CGROUP_SWAP_UNLIMITED; /* OCI's -1: unlimited */
  l->cpu_quota = oci_int(cpu, "quota");
  l->cpu_period = oci_int(cpu, "period");
  l->cpu_shares = oci_int(cpu, "shares");
  if (cpu && json_object_object_get_ex(cpu, "cpus", &v) && json_object_is_type(v, json_type_string))
    l->cpuset_cpus = xstrdup(json_object_get_string(v));
  l->pids_limit = oci_int(pids, "limit");
  l->blkio_weight = oci_int(bio, "weight");
}

int
cgroup_manager_parse(const char *name, enum cgroup_manager_kind *out, ctool_error_t *err)
{
  if (name == NULL)
    *out = CGROUP_MANAGER_AUTO;
  else if (strcmp(name, "systemd") == 0)
    *out = CGROUP_MANAGER_SYSTEMD;
  else if (strcmp(name, "cgroupfs") == 0)
    *out = CGROUP_MANAGER_CGROUPFS;
  else if (strcmp(name, "disabled") == 0)
    *out = CGROUP_MANAGER_DISABLED;
  else
    return ctool_error_set(err, 0, "invalid cgroup manager '%s': use systemd or cgroupfs", name);
  return 0;
}

const char *
cgroup_manager_name(enum cgroup_manager_kind k)
{
  switch (k)
    {
    case CGROUP_MANAGER_SYSTEMD:
      return "systemd";
    case CGROUP_MANAGER_CGROUPFS:
      return "cgroupfs";
    case CGROUP_MANAGER_DISABLED:
      return "disabled";
    case CGROUP_MANAGER_AUTO:
      return cgroup_manager_name(cgroup_manager_default());
    }
  return "?";
}

enum cgroup_manager_kind
cgroup_manager_default(void)
{
  return cgroup_manager_systemd.available() ? CGROUP_MANAGER_SYSTEMD : CGROUP_MANAGER_CGROUPFS;
}

/* ---- files ---- */

int
cgroup_write(const char *dir, const char *file, const char *value, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s", path);
  size_t len = strlen(value);
  if (write(fd, value, len) != (ssize_t) len)
    return ctool_error_set(err, errno, "write '%s' to %s", value, path);
  return 0;
}

char *
cgroup_read(const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 1 << 20, NULL) < 0)
    return NULL;
  return text;
}

const char *
cgroup2_mount(void)
{
  static bool probed;
  static const char *mount;
  if (probed)
    return mount;
  probed = true;
  static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
  for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
    {
      struct statfs sf;
      if (statfs(candidates[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        {
          mount = candidates[i];
          break;
        }
    }
  return mount;
}

char *
cgroup_of_pid(pid_t pid)
{
  cleanup_free char *path = pid ? xasprintf("/proc/%d/cgroup", (int) pid) : xstrdup("/proc/self/cgroup");
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 1 << 16, NULL) < 0)
    return NULL;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if (str_has_prefix(line, "0::"))
      return xstrdup(line + 3);
  return NULL;
}

static bool
owned_by_us(const char *dir)
{
  struct stat st;
  cleanup_free char *procs = xasprintf("%s/cgroup.procs", dir);
  return stat(dir, &st) == 0 && st.st_uid == geteuid() && access(dir, W_OK) == 0 && access(procs, W_OK) == 0;
}

void
cgroup_host_probe(struct cgroup_host *h)
{
  memset(h, 0, sizeof *h);
  const char *mnt = cgroup2_mount();
  struct statfs sf;
  h->v1_controllers = statfs("/sys/fs/cgroup/memory", &sf) == 0 && sf.f_type != CGROUP2_SUPER_MAGIC
                      && access("/sys/fs/cgroup/memory/tasks", F_OK) == 0;
  if (mnt == NULL)
    return;
  h->mount = xstrdup(mnt);
  h->unified = strcmp(mnt, "/sys/fs/cgroup") == 0;
  cleanup_free char *own = cgroup_of_pid(0);
  if (own == NULL)
    return;
  h->own = xasprintf("%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
  /* The highest ancestor (up to our own cgroup) that this user owns. */
  cleanup_free char *walk = xstrdup(h->own);
  while (strlen(walk) > strlen(mnt))
    {
      if (owned_by_us(walk))
        {
          free(h->delegated);
          h->delegated = xstrdup(walk);
        }
      else if (h->delegated)
        break;
      char *slash = strrchr(walk, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
    }
  if (h->delegated)
    {
      cleanup_free char *ctl = cgroup_read(h->delegated, "cgroup.controllers");
      char *save = NULL;
      for (char *c = ctl ? strtok_r(ctl, " \n", &save) : NULL; c; c = strtok_r(NULL, " \n", &save))
        strv_push(&h->controllers, c);
    }
  if (h->controllers == NULL && h->unified && cgroup_manager_systemd.available())
    {
      /* Our cgroup is not the user's (an SSH login): the containers get
       * the controllers of the user's systemd instance, as in Podman. */
      uid_t uid = getuid();
      cleanup_free char *user = xasprintf("%s/user.slice/user-%u.slice/user@%u.service", mnt, (unsigned) uid,
                                          (unsigned) uid);
      cleanup_free char *ctl = cgroup_read(user, "cgroup.controllers");
      char *save = NULL;
      for (char *c = ctl ? strtok_r(ctl, " \n", &save) : NULL; c; c = strtok_r(NULL, " \n", &save))
        strv_push(&h->controllers, c);
      if (ctl)
        h->systemd_user = steal_pointer(&user);
    }
  if (h->controllers == NULL)
    h->controllers = xzalloc(sizeof(char *));
}

void
cgroup_host_clear(struct cgroup_host *h)
{
  free(h->mount);
  free(h->own);
  free(h->delegated);
  free(h->systemd_user);
  strv_free(h->controllers);
  memset(h, 0, sizeof *h);
}

/* ---- a supervised scope ---- */

static int
move_into(const char *dir, pid_t pid, ctool_error_t *err)
{
  cleanup_free char *text = xasprintf("%d", (int) pid);
  return cgroup_write(dir, "cgroup.procs", text, err);
}

static void
enable_all_controllers(const char *dir)
{
  cleanup_free char *have = cgroup_read(dir, "cgroup.controllers");
  char *save = NULL;
  for (char *c = have ? strtok_r(have, " \n", &save) : NULL; c; c = strtok_r(NULL, " \n", &save))
    {
      cleanup_free char *cmd = xasprintf("+%s", c);
      ctool_error_t ignored = NULL;
      if (cgroup_write(dir, "cgroup.subtree_control", cmd, &ignored) < 0)
        log_debug("cannot enable the %s controller in %s: %s", c, dir, ignored->msg);
      ctool_error_free(&ignored);
    }
}

int
cgroup_split_supervised(const char *scope, pid_t pid, char **path, ctool_error_t *err)
{
  *path = NULL;
  cleanup_free char *container = xasprintf("%s/container", scope);
  cleanup_free char *supervisor = xasprintf("%s/supervisor", scope);
  if (mkdir(container, 0755) < 0 && errno != EEXIST)
    return ctool_error_set(err, errno, "create cgroup %s", container);
  if (move_into(container, pid, err) < 0)
    return ctool_error_prefix(err, "move the container into %s", container);
  if (mkdir(supervisor, 0755) < 0 && errno != EEXIST)
    log_debug("cannot create %s: %s", supervisor, strerror(errno));
  else
    {
      ctool_error_t e = NULL;
      if (move_into(supervisor, getpid(), &e) < 0)
        {
          log_debug("the supervisor stays out of %s: %s", scope, e->msg);
          rmdir(supervisor);
        }
      ctool_error_free(&e);
    }
  /* SCOPE holds no process of its own now: its controllers can go down. */
  enable_all_controllers(scope);
  *path = steal_pointer(&container);
  return 0;
}

/* ---- limits ---- */

struct limit_file {
  const char *controller;
  const char *file;
  const char *flag;
  char value[64];
  bool set;
};

static size_t
limit_files(const struct cgroup_limits *l, struct limit_file *f)
{
  size_t n = 0;
#define ADD(ctl, fl, opt, ...)                                         \
  do                                                                   \
    {                                                                  \
      f[n] = (struct limit_file) { ctl, fl, opt, "", true };           \
      snprintf(f[n].value, sizeof f[n].value, __VA_ARGS__);            \
      n++;                                                             \
    }                                                                  \
  while (0)
  if (l->memory >= 0)
    ADD("memory", "memory.max", "--memory", "%lld", (long long) l->memory);
  if (l->memory_reservation >= 0)
    ADD("memory", "memory.low", "--memory-reservation", "%lld", (long long) l->memory_reservation);
  if (l->memory_swap > 0 && l->memory >= 0)
    ADD("memory", "memory.swap.max", "--memory-swap", "%lld",
        (long long) (l->memory_swap > l->memory ? l->memory_swap - l->memory : 0));
  else if (l->memory_swap == CGROUP_SWAP_UNLIMITED)
    ADD("memory", "memory.swap.max", "--memory-swap", "max");
  if (l->cpu_quota >= 0)
    ADD("cpu", "cpu.max", "--cpus", "%lld %lld", (long long) l->cpu_quota,
        (long long) (l->cpu_period > 0 ? l->cpu_period : 100000));
  if (l->cpu_shares > 0)
    ADD("cpu", "cpu.weight", "--cpu-shares", "%llu", (unsigned long long) cgroup_shares_to_weight((uint64_t) l->cpu_shares));
  if (l->cpuset_cpus)
    ADD("cpuset", "cpuset.cpus", "--cpuset-cpus", "%s", l->cpuset_cpus);
  if (l->pids_limit > 0)
    ADD("pids", "pids.max", "--pids-limit", "%lld", (long long) l->pids_limit);
  else if (l->pids_limit == 0)
    ADD("pids", "pids.max", "--pids-limit", "max");
  if (l->blkio_weight > 0)
    ADD("io", "io.weight", "--blkio-weight", "default %llu",
        (unsigned long long) cgroup_blkio_to_io_weight((uint64_t) l->blkio_weight));
#undef ADD
  return n;
}

static bool
has_controller(const char *path, const char *ctl)
{
  if (path == NULL)
    return false;
  cleanup_free char *have = cgroup_read(path, "cgroup.controllers");
  if (have == NULL)
    return false;
  char *save = NULL;
  for (char *c = strtok_r(have, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
    if (strcmp(c, ctl) == 0)
      return true;
  return false;
}

static void
warn_unenforceable(const char *flag, const char *ctl, bool no_cgroup)
{
  static bool warned;
  if (warned)
    return;
  warned = true;
  cleanup_free char *root_ctl = cgroup2_mount() ? cgroup_read(cgroup2_mount(), "cgroup.controllers") : NULL;
  if (!no_cgroup && (root_ctl == NULL || strstr(root_ctl, ctl) == NULL))
    log_warn("%s is not enforced: the %s controller is not available on cgroup v2 here (this host binds it to "
             "a cgroup v1 hierarchy); boot with systemd.unified_cgroup_hierarchy=1 to use cgroup v2 limits",
             flag, ctl);
  else if (no_cgroup)
    log_warn("%s is not enforced: this user has no writable cgroup v2 subtree (cgroup v1 or hybrid host, "
             "or no delegation); on a systemd host run 'loginctl enable-linger %s' and use cgroup v2",
             flag, getenv("USER") ? getenv("USER") : "$USER");
  else
    log_warn("%s is not enforced: the %s controller is not delegated to this user; add it with a drop-in: "
             "'[Service] Delegate=cpu cpuset io memory pids' in /etc/systemd/system/user@.service.d/delegate.conf",
             flag, ctl);
}

/* Write every limit in L to PATH. Explicit limits that cannot be applied
 * warn once; the pids default (IMPLICIT_PIDS) never warns. */
static int
apply_limits(const char *path, const struct cgroup_limits *l, bool implicit_pids, ctool_error_t *err)
{
  struct limit_file files[16];
  size_t n = limit_files(l, files);
  for (size_t i = 0; i < n; i++)
    {
      bool implicit = implicit_pids && strcmp(files[i].controller, "pids") == 0;
      if (!has_controller(path, files[i].controller))
        {
          if (!implicit)
            warn_unenforceable(files[i].flag, files[i].controller, path == NULL);
          continue;
        }
      if (cgroup_write(path, files[i].file, files[i].value, err) < 0)
        return ctool_error_prefix(err, "%s", files[i].flag);
    }
  return 0;
}

int
cgroup_enter(enum cgroup_manager_kind kind, const char *id, pid_t pid, const struct cgroup_limits *l, char **path,
             ctool_error_t *err)
{
  *path = NULL;
  if (kind == CGROUP_MANAGER_AUTO)
    kind = cgroup_manager_default();
  if (kind == CGROUP_MANAGER_DISABLED)
    return apply_limits(NULL, l, false, err);
  const struct cgroup_manager *m = kind == CGROUP_MANAGER_SYSTEMD ? &cgroup_manager_systemd : &cgroup_manager_fs;
  if (m->create(id, pid, path, err) < 0)
    return -1;
  /* Podman's default pids limit where the controller is there. */
  struct cgroup_limits eff = *l;
  bool implicit_pids = l->pids_default;
  if (eff.pids_limit < 0)
    {
      eff.pids_limit = 2048;
      implicit_pids = true;
    }
  if (apply_limits(*path, &eff, implicit_pids, err) < 0)
    {
      ctool_error_t ignored = NULL;
      if (*path)
        cgroup_destroy(*path, &ignored);
      ctool_error_free(&ignored);
      free(*path);
      *path = NULL;
      return -1;
    }
  return 0;
}

int
cgroup_update(const char *path, const struct cgroup_limits *l, ctool_error_t *err)
{
  if (path == NULL)
    return ctool_error_set(err, 0, "the container has no cgroup of its own: limits cannot be changed "
                                   "(no writable cgroup v2 subtree for this user)");
  struct limit_file files[16];
  size_t n = limit_files(l, files);
  for (size_t i = 0; i < n; i++)
    {
      if (!has_controller(path, files[i].controller))
        return ctool_error_set(err, 0, "cannot apply %s: the %s controller is not delegated to this user",
                               files[i].flag, files[i].controller);
      if (cgroup_write(path, files[i].file, files[i].value, err) < 0)
        return ctool_error_prefix(err, "%s", files[i].flag);
    }
  return 0;
}

/* ---- freezing, killing, listing ---- */

static bool
events_say(const char *path, const char *key, const char *value)
{
  cleanup_free char *ev = cgroup_read(path, "cgroup.events");
  if (ev == NULL)
    return false;
  cleanup_free char *needle = xasprintf("%s %s", key, value);
  for (char *line = ev; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, needle, strlen(needle)) == 0)
      return true;
  return false;
}

bool
cgroup_is_frozen(const char *path)
{
  return path && events_say(path, "frozen", "1");
}

int
cgroup_freeze(const char *path, bool frozen, ctool_error_t *err)
{
  if (path == NULL)
    return ctool_error_set(err, 0, "the container has no cgroup of its own, so it cannot be %s "
                                   "(no writable cgroup v2 subtree for this user)", frozen ? "paused" : "unpaused");
  if (cgroup_write(path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  for (int i = 0; i < 2000; i++)
    {
      if (events_say(path, "frozen", frozen ? "1" : "0"))
        return 0;
      struct timespec ts = { 0, 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
  return ctool_error_set(err, 0, "the container's processes did not %s within 2 s", frozen ? "freeze" : "thaw");
}

static void
collect_pids(const char *dir, pid_t **pids, size_t *n)
{
  cleanup_free char *procs = cgroup_read(dir, "cgroup.procs");
  char *save = NULL;
  for (char *p = procs ? strtok_r(procs, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save))
    {
      *pids = xrealloc(*pids, (*n + 2) * sizeof **pids);
      (*pids)[(*n)++] = (pid_t) atoi(p);
      (*pids)[*n] = 0;
    }
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL)
    if (de->d_type == DT_DIR && de->d_name[0] != '.')
      {
        cleanup_free char *sub = xasprintf("%s/%s", dir, de->d_name);
        collect_pids(sub, pids, n);
      }
}

int
cgroup_pids(const char *path, pid_t **pids, size_t *n, ctool_error_t *err)
{
  *pids = xzalloc(sizeof **pids);
  *n = 0;
  if (path == NULL)
    return ctool_error_set(err, 0, "the container has no cgroup of its own");
  collect_pids(path, pids, n);
  return 0;
}

int
cgroup_kill_all(const char *path, ctool_error_t *err)
{
  if (path == NULL)
    return ctool_error_set(err, 0, "the container has no cgroup of its own");
  cleanup_free char *killfile = xasprintf("%s/cgroup.kill", path);
  if (access(killfile, F_OK) == 0)
    return cgroup_write(path, "cgroup.kill", "1", err);
  /* Older kernels: freeze so nothing forks away, kill each, thaw. */
  ctool_error_t ignored = NULL;
  bool froze = cgroup_freeze(path, true, &ignored) == 0;
  ctool_error_free(&ignored);
  pid_t *pids;
  size_t n;
  if (cgroup_pids(path, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    kill(pids[i], SIGKILL);
  free(pids);
  if (froze)
    cgroup_freeze(path, false, &ignored);
  ctool_error_free(&ignored);
  return 0;
}

int
cgroup_destroy(const char *path, ctool_error_t *err)
{
  if (path == NULL)
    return 0;
  /* Children first (the container may have made its own below). */
  cleanup_dir DIR *d = opendir(path);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL)
    if (de->d_type == DT_DIR && de->d_name[0] != '.')
      {
        cleanup_free char *sub = xasprintf("%s/%s", path, de->d_name);
        if (cgroup_destroy(sub, err) < 0)
          return -1;
      }
  for (int i = 0; i < 200; i++)
    {
      if (rmdir(path) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        break;
      struct timespec ts = { 0, 5 * 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
  return ctool_error_set(err, errno, "remove cgroup %s", path);
}

/* ---- stats ---- */

static bool
read_keyed(const char *path, const char *file, const char *key, uint64_t *out)
{
  cleanup_free char *text = cgroup_read(path, file);
  if (text == NULL)
    return false;
  size_t kl = strlen(key);
  for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, key, kl) == 0 && line[kl] == ' ')
      {
        *out = strtoull(line + kl + 1, NULL, 10);
        return true;
      }
  return false;
}

static bool
read_single(const char *path, const char *file, uint64_t *out, bool *is_max)
{
  cleanup_free char *text = cgroup_read(path, file);
  if (text == NULL)
    return false;
  if (is_max)
    *is_max = str_has_prefix(text, "max");
  *out = strtoull(text, NULL, 10);
  return true;
}

int
cgroup_read_stats(const char *path, struct cgroup_stats *s, ctool_error_t *err)
{
  memset(s, 0, sizeof *s);
  if (path == NULL)
    return ctool_error_set(err, 0, "the container has no cgroup of its own");
  s->has_cpu = read_keyed(path, "cpu.stat", "usage_usec", &s->cpu_usage_usec);
  bool is_max = false;
  s->has_memory = read_single(path, "memory.current", &s->memory_current, NULL);
  if (s->has_memory && read_single(path, "memory.max", &s->memory_max, &is_max) && is_max)
    s->memory_max = 0;
  s->has_pids = read_single(path, "pids.current", &s->pids_current, NULL);
  if (!s->has_pids)
    {
      /* No pids controller: count the processes in cgroup.procs below. */
      pid_t *pids = NULL;
      size_t n = 0;
      collect_pids(path, &pids, &n);
      free(pids);
      s->pids_current = n;
      s->has_pids = true;
    }
  read_keyed(path, "memory.events", "oom_kill", &s->oom_kills);
  cleanup_free char *io = cgroup_read(path, "io.stat");
  if (io)
    {
      s->has_io = true;
      char *save = NULL;
      for (char *tok = strtok_r(io, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
        {
          if (str_has_prefix(tok, "rbytes="))
            s->io_read_bytes += strtoull(tok + 7, NULL, 10);
          else if (str_has_prefix(tok, "wbytes="))
            s->io_write_bytes += strtoull(tok + 7, NULL, 10);
        }
    }
  return 0;
}

bool
cgroup_oom_killed(const char *path)
{
  uint64_t n = 0;
  return path && read_keyed(path, "memory.events", "oom_kill", &n) && n > 0;
}
