/* User namespaces: subordinate ID ranges (/etc/subuid, /etc/subgid,
 * libsubid when nsswitch.conf has a subid: line), the ID maps built from them, writing the maps with
 * newuidmap/newgidmap, and running a function as root in a fresh user
 * namespace with a typed parent/child channel. */
#include "userns.h"
#include "subprocess.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBSUBID
#include <dlfcn.h>
#include <shadow/subid.h>
#endif

/* What an admin gives a user by default (useradd: SUB_UID_MIN, SUB_UID_COUNT). */
#define SUBID_DEFAULT_START 100000u
#define SUBID_DEFAULT_COUNT 65536u

/* ---- /etc/subuid and /etc/subgid ---- */

const char *
subid_file_path(enum subid_kind kind)
{
  const char *env = getenv(kind == SUBID_UID ? "CTOOL_SUBUID_FILE" : "CTOOL_SUBGID_FILE");
  if (env && *env)
    return env;
  return kind == SUBID_UID ? "/etc/subuid" : "/etc/subgid";
}

static bool
subid_path_overridden(enum subid_kind kind)
{
  const char *env = getenv(kind == SUBID_UID ? "CTOOL_SUBUID_FILE" : "CTOOL_SUBGID_FILE");
  return env && *env;
}

static bool
parse_u32(const char *s, uint32_t *out)
{
  unsigned long long v;
  if (!str_to_u64(s, &v) || v > UINT32_MAX)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* "owner:start:count" -> entry; false for anything else. LINE is modified. */
static bool
parse_subid_line(char *line, struct subid_entry *e)
{
  char *first = strchr(line, ':');
  if (first == NULL)
    return false;
  char *second = strchr(first + 1, ':');
  if (second == NULL || strchr(second + 1, ':'))
    return false;
  *first = '\0';
  *second = '\0';
  uint32_t start, count;
  if (line[0] == '\0' || !parse_u32(first + 1, &start) || !parse_u32(second + 1, &count))
    return false;
  if (count == 0 || (uint64_t) start + count - 1 > UINT32_MAX)
    return false;
  e->owner = xstrdup(line);
  e->start = start;
  e->count = count;
  return true;
}

static bool
line_is_blank_or_comment(const char *line)
{
  while (*line == ' ' || *line == '\t')
    line++;
  return *line == '\0' || *line == '#';
}

int
subid_file_read_all(const char *path, struct subid_entry **entries, size_t *n, ctool_error_t *err)
{
  cleanup_file FILE *f = fopen(path, "re");
  *entries = NULL;
  *n = 0;
  if (f == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return ctool_error_set(err, errno, "cannot read %s", path);
    }
  cleanup_free char *line = NULL;
  size_t cap = 0, lineno = 0, alloc = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) >= 0)
    {
      lineno++;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
      if (line_is_blank_or_comment(line))
        continue;
      struct subid_entry e;
      if (!parse_subid_line(line, &e))
        {
          log_debug("%s:%zu: ignoring malformed line (expected NAME:START:COUNT)", path, lineno);
          continue;
        }
      if (*n == alloc)
        {
          alloc = alloc ? alloc * 2 : 8;
          *entries = xrealloc(*entries, alloc * sizeof **entries);
        }
      (*entries)[(*n)++] = e;
    }
  if (ferror(f))
    {
      int e = errno;
      subid_entries_free(*entries, *n);
      *entries = NULL;
      *n = 0;
      return ctool_error_set(err, e, "cannot read %s", path);
    }
  return 0;
}

void
subid_entries_free(struct subid_entry *entries, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(entries[i].owner);
  free(entries);
}

/* OWNER names this user: its login name, or its UID in decimal. */
bool
subid_owner_matches(const char *owner, const char *name, uid_t uid)
{
  if (name && strcmp(owner, name) == 0)
    return true;
  unsigned long long v;
  return str_to_u64(owner, &v) && v == (unsigned long long) uid;
}

/* Add [START, START+COUNT) to OUT without the IDs OUT already has: the
 * same range listed by name and by UID, or two that overlap, would give
 * a map the kernel refuses (no host ID may appear twice). */
static void
ranges_add(struct subid_ranges *out, uint32_t start, uint32_t count, const char *where)
{
  uint64_t s = start, e = (uint64_t) start + count;
  for (size_t i = 0; i < out->n && s < e; i++)
    {
      uint64_t rs = out->r[i].start, re = rs + out->r[i].count;
      if (e <= rs || s >= re)
        continue;
      log_debug("%s: %u:%u overlaps %u:%u; using each ID once", where, start, count, out->r[i].start,
                out->r[i].count);
      /* The part below this range (it missed the ranges before it). */
      if (s < rs)
        ranges_add(out, (uint32_t) s, (uint32_t) (rs - s), where);
      s = re;
    }
  if (s >= e)
    return;
  if (out->n == SUBID_MAX)
    {
      log_debug("%s: more than %d ranges; ignoring %u:%u", where, SUBID_MAX, start, count);
      return;
    }
  out->r[out->n].start = (uint32_t) s;
  out->r[out->n].count = (uint32_t) (e - s);
  out->n++;
}

int
subid_ranges_from_file(const char *path, const char *name, uid_t uid, struct subid_ranges *out,
                       ctool_error_t *err)
{
  struct subid_entry *entries;
  size_t n;
  memset(out, 0, sizeof *out);
  if (subid_file_read_all(path, &entries, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (subid_owner_matches(entries[i].owner, name, uid))
      ranges_add(out, entries[i].start, entries[i].count, path);
  subid_entries_free(entries, n);
  if (out->n > 0)
    snprintf(out->source, sizeof out->source, "%s", path);
  return 0;
}

char *
current_user_name(void)
{
  struct passwd *pw = getpwuid(getuid());
  if (pw && pw->pw_name && *pw->pw_name)
    return xstrdup(pw->pw_name);
  return xasprintf("%u", (unsigned) getuid());
}

const char *
nsswitch_file_path(void)
{
  const char *env = getenv("CTOOL_NSSWITCH_FILE");
  return env && *env ? env : "/etc/nsswitch.conf";
}

char *
nsswitch_subid_module(const char *path)
{
  cleanup_file FILE *f = fopen(path, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  while (f && getline(&line, &cap, f) > 0)
    {
      char *p = line + strspn(line, " \t");
      if (!str_has_prefix(p, "subid:"))
        continue;
      p += strlen("subid:");
      p += strspn(p, " \t");
      p[strcspn(p, " \t\r\n#")] = '\0';
      return xstrdup(*p ? p : "files");
    }
  return NULL;
}

#ifdef HAVE_LIBSUBID
/* libsubid is loaded only when nsswitch.conf asks for it: linked in, it
 * and what it pulls (libpam, libselinux, libsemanage, libaudit, ...) cost
 * every command a millisecond and a megabyte. */
#ifdef SUBID_ABI_MAJOR
#define LIBSUBID_SONAME_(major) "libsubid.so." #major
#define LIBSUBID_SONAME_X(major) LIBSUBID_SONAME_(major)
#define LIBSUBID_SONAME LIBSUBID_SONAME_X(SUBID_ABI_MAJOR)
#else
#define LIBSUBID_SONAME "libsubid.so.4"
#endif

static struct {
  __typeof__(subid_init) *init;   /* NULL where the library has none */
  __typeof__(subid_get_uid_ranges) *get_uid_ranges;
  __typeof__(subid_get_gid_ranges) *get_gid_ranges;
} libsubid;

/* 0 once libsubid's functions are there (loaded once per process). */
static int
libsubid_load(void)
{
  static int state; /* 0 not tried, 1 loaded, -1 failed */
  if (state != 0)
    return state > 0 ? 0 : -1;
  state = -1;
  void *h = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      log_debug("libsubid: %s", dlerror());
      return -1;
    }
  *(void **) &libsubid.init = dlsym(h, "subid_init");
  *(void **) &libsubid.get_uid_ranges = dlsym(h, "subid_get_uid_ranges");
  *(void **) &libsubid.get_gid_ranges = dlsym(h, "subid_get_gid_ranges");
  if (libsubid.get_uid_ranges == NULL || libsubid.get_gid_ranges == NULL)
    {
      log_debug("libsubid: %s lacks subid_get_uid_ranges or subid_get_gid_ranges", LIBSUBID_SONAME);
      return -1;
    }
  /* It logs to stderr unless told otherwise: give it a sink that does not
   * leak into children. */
  FILE *sink = fopen("/dev/null", "we");
  if (sink && libsubid.init)
    libsubid.init("ctool", sink);
  else if (sink)
    fclose(sink);
  state = 1;
  return 0;
}

static int
ranges_from_libsubid(enum subid_kind kind, const char *name, const char *module, struct subid_ranges *out)
{
  struct subid_range *list = NULL;
  if (libsubid_load() < 0)
    {
      log_debug("libsubid cannot be loaded; reading %s", subid_file_path(kind));
      return -1;
    }
  int n = kind == SUBID_UID ? libsubid.get_uid_ranges(name, &list) : libsubid.get_gid_ranges(name, &list);
  if (n < 0)
    {
      log_debug("libsubid: no answer for %s (%d); reading %s", name, n, subid_file_path(kind));
      free(list);
      return -1;
    }
  for (int i = 0; i < n; i++)
    {
      if (list[i].count == 0 || list[i].start > UINT32_MAX || list[i].count > UINT32_MAX
          || list[i].start + list[i].count - 1 > UINT32_MAX)
        continue;
      ranges_add(out, (uint32_t) list[i].start, (uint32_t) list[i].count, "libsubid");
    }
  free(list);
  if (out->n > 0)
    {
      if (strcmp(module, "files") == 0)
        snprintf(out->source, sizeof out->source, "libsubid (%s)", subid_file_path(kind));
      else
        snprintf(out->source, sizeof out->source, "libsubid (nss: %s)", module);
    }
  return 0;
}
#endif

/* NAME's ranges of KIND: through libsubid when MODULE (nsswitch.conf's
 * subid: line, NULL when it has none) asks for it and ctool was built
 * with it, else (or when it knows none) from the file. */
static int
ranges_lookup(enum subid_kind kind, const char *name, const char *module, struct subid_ranges *out,
              ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (module && !subid_path_overridden(kind))
    {
#ifdef HAVE_LIBSUBID
      if (ranges_from_libsubid(kind, name, module, out) == 0 && out->n > 0)
        return 0;
      memset(out, 0, sizeof *out);
#else
      log_debug("%s names '%s' for subid, but ctool was built without libsubid; reading %s", nsswitch_file_path(),
                module, subid_file_path(kind));
#endif
    }
  return subid_ranges_from_file(subid_file_path(kind), name, getuid(), out, err);
}

int
subid_ranges_for_user(enum subid_kind kind, struct subid_ranges *out, ctool_error_t *err)
{
  cleanup_free char *name = current_user_name();
  cleanup_free char *module = nsswitch_subid_module(nsswitch_file_path());
  return ranges_lookup(kind, name, module, out, err);
}

/* The lowest start >= 100000 whose 65536 IDs overlap no entry of PATH. */
static uint64_t
first_free_start(const struct subid_entry *e, size_t n, uint64_t start)
{
  bool moved = true;
  while (moved)
    {
      moved = false;
      for (size_t i = 0; i < n; i++)
        {
          uint64_t end = (uint64_t) e[i].start + e[i].count;
          if (e[i].start < start + SUBID_DEFAULT_COUNT && end > start)
            {
              start = end;
              moved = true;
            }
        }
    }
  return start;
}

char *
subid_fix_command(const char *user)
{
  uint64_t start = SUBID_DEFAULT_START;
  for (int k = SUBID_UID; k <= SUBID_GID; k++)
    {
      struct subid_entry *entries = NULL;
      size_t n = 0;
      ctool_error_t ignored = NULL;
      if (subid_file_read_all(subid_file_path((enum subid_kind) k), &entries, &n, &ignored) == 0)
        start = first_free_start(entries, n, start);
      ctool_error_free(&ignored);
      subid_entries_free(entries, n);
    }
  /* Free in both files at once: one range serves both. */
  uint64_t last = start + SUBID_DEFAULT_COUNT - 1;
  return xasprintf("sudo usermod --add-subuids %llu-%llu --add-subgids %llu-%llu %s", (unsigned long long) start,
                   (unsigned long long) last, (unsigned long long) start, (unsigned long long) last, user);
}

/* ---- ID maps ---- */

static void
map_add(struct idmap_range *side, size_t *n, uint32_t container_id, uint32_t host_id, uint32_t size)
{
  if (size == 0)
    return;
  if (*n == IDMAP_MAX)
    {
      log_debug("ID map full (%d ranges); dropping %u %u %u", IDMAP_MAX, container_id, host_id, size);
      return;
    }
  side[*n] = (struct idmap_range){ container_id, host_id, size };
  (*n)++;
}

/* Lay the subordinate ranges out one after the other from container ID
 * FIRST on, leaving out SKIP (the user's own ID under keep-id; pass
 * UINT64_MAX for none). */
static void
map_ranges(struct idmap_range *side, size_t *n, const struct subid_ranges *r, uint64_t first, uint64_t skip)
{
  uint64_t next = first;
  for (size_t i = 0; i < r->n; i++)
    {
      uint64_t host = r->r[i].start, left = r->r[i].count;
      while (left > 0)
        {
          if (next == skip)
            next++;
          if (next > UINT32_MAX - 1)
            return;
          uint64_t room = UINT32_MAX - next; /* container IDs stay below 2^32-1 */
          uint64_t len = left < room ? left : room;
          if (skip > next && skip < next + len)
            len = skip - next;
          map_add(side, n, (uint32_t) next, (uint32_t) host, (uint32_t) len);
          next += len;
          host += len;
          left -= len;
        }
    }
}

static void
map_side(struct idmap_range *side, size_t *n, const struct subid_ranges *r, uint32_t self, bool keep_id,
         bool single)
{
  *n = 0;
  if (keep_id)
    {
      if (!single)
        map_ranges(side, n, r, 0, self);
      /* Keep the user's own entry in order of container IDs. */
      size_t pos = 0;
      while (pos < *n && side[pos].container_id < self)
        pos++;
      if (*n == IDMAP_MAX)
        (*n)--;
      if (pos > *n)
        pos = *n;
      memmove(&side[pos + 1], &side[pos], (*n - pos) * sizeof *side);
      side[pos] = (struct idmap_range){ self, self, 1 };
      (*n)++;
      return;
    }
  map_add(side, n, 0, self, 1);
  if (!single)
    map_ranges(side, n, r, 1, UINT64_MAX);
}

void
idmap_build(const struct subid_ranges *uids, const struct subid_ranges *gids, uid_t uid, gid_t gid,
            bool keep_id, struct idmap *out)
{
  memset(out, 0, sizeof *out);
  out->single = uids->n == 0 || gids->n == 0;
  map_side(out->uid, &out->n_uid, uids, (uint32_t) uid, keep_id, out->single);
  map_side(out->gid, &out->n_gid, gids, (uint32_t) gid, keep_id, out->single);
  snprintf(out->source, sizeof out->source, "%s", out->single ? "none" : uids->source);
}

int64_t
idmap_to_container(const struct idmap *map, bool gid, uint32_t host_id)
{
  const struct idmap_range *side = gid ? map->gid : map->uid;
  size_t n = gid ? map->n_gid : map->n_uid;
  for (size_t i = 0; i < n; i++)
    if (host_id >= side[i].host_id && host_id - side[i].host_id < side[i].size)
      return (int64_t) side[i].container_id + (host_id - side[i].host_id);
  return -1;
}

static void
read_ranges_or_warn(enum subid_kind kind, const char *name, const char *module, struct subid_ranges *out)
{
  ctool_error_t err = NULL;
  if (ranges_lookup(kind, name, module, out, &err) < 0)
    {
      log_warn("%s", err->msg);
      ctool_error_free(&err);
      memset(out, 0, sizeof *out);
    }
}

int
idmap_for_user(struct idmap *out, bool keep_id, ctool_error_t *err)
{
  struct subid_ranges uids, gids;
  cleanup_free char *user = current_user_name();
  cleanup_free char *module = nsswitch_subid_module(nsswitch_file_path());
  read_ranges_or_warn(SUBID_UID, user, module, &uids);
  read_ranges_or_warn(SUBID_GID, user, module, &gids);
  idmap_build(&uids, &gids, getuid(), getgid(), keep_id, out);
  if (out->single)
    {
      cleanup_free char *fix = subid_fix_command(user);
      cleanup_free char *what = NULL;
      if (uids.n == 0 && gids.n == 0)
        what = xasprintf("UIDs or GIDs for %s in %s and %s", user, subid_file_path(SUBID_UID),
                         subid_file_path(SUBID_GID));
      else
        what = xasprintf("%s for %s in %s", uids.n == 0 ? "UIDs" : "GIDs", user,
                         subid_file_path(uids.n == 0 ? SUBID_UID : SUBID_GID));
      log_warn("no subordinate %s: using a single-ID mapping (files owned by other IDs cannot be used); "
               "to fix, ask an admin to run: %s",
               what, fix);
    }
  return 0;
}

/* ---- writing the maps ---- */

static bool
side_is_only_self(const struct idmap_range *side, size_t n, uint32_t self)
{
  return n == 1 && side[0].host_id == self && side[0].size == 1;
}

static int
write_proc_file(pid_t pid, const char *name, const char *text, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("/proc/%d/%s", (int) pid, name);
  cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s", path);
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  if (w < 0)
    return ctool_error_set(err, errno, "write '%s' to %s", text, path);
  if ((size_t) w != len)
    return ctool_error_set(err, 0, "write '%s' to %s: short write", text, path);
  return 0;
}

/* The user's own ID, written straight into the kernel (no helper needed:
 * a process may map its own IDs; gid_map needs setgroups denied first). */
static int
write_self_map(pid_t pid, bool gid, const struct idmap_range *r, ctool_error_t *err)
{
  char line[64];
  snprintf(line, sizeof line, "%u %u %u\n", r->container_id, r->host_id, r->size);
  if (gid && write_proc_file(pid, "setgroups", "deny", err) < 0)
    return -1;
  return write_proc_file(pid, gid ? "gid_map" : "uid_map", line, err);
}

static char **
helper_argv(const char *helper, pid_t pid, const struct idmap_range *side, size_t n)
{
  char **argv = xzalloc((2 + 3 * n + 1) * sizeof *argv);
  size_t k = 0;
  argv[k++] = xstrdup(helper);
  argv[k++] = xasprintf("%d", (int) pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[k++] = xasprintf("%u", side[i].container_id);
      argv[k++] = xasprintf("%u", side[i].host_id);
      argv[k++] = xasprintf("%u", side[i].size);
    }
  return argv;
}

static int
start_map_helper(struct userns_map_helper *h, pid_t pid, const struct idmap_range *side, size_t n, ctool_error_t *err)
{
  cleanup_free char *path = find_program(h->name);
  if (path == NULL)
    return ctool_error_set(err, 0,
                           "%s not found (looked in PATH and /usr/bin): it maps the subordinate IDs; install the "
                           "package 'uidmap' (sudo apt-get install uidmap)",
                           h->name);
  cleanup_strv char **argv = helper_argv(path, pid, side, n);
  /* Not waiting for the setuid exec: both helpers and the caller's own
   * work (cgroup placement) go on at once. */
  if (spawn_start_nowait(argv, &h->sp, err) < 0)
    return -1;
  h->started = true;
  return 0;
}

static int
finish_map_helper(struct userns_map_helper *h, ctool_error_t *err)
{
  if (!h->started)
    return 0;
  h->started = false;
  cleanup_free char *errtext = NULL;
  int status;
  if (spawn_finish(&h->sp, NULL, &errtext, &status, err) < 0)
    return -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  char how[96];
  describe_wait_status(status, how, sizeof how);
  /* One line: the helper's own words, then where to look. */
  for (char *c = errtext; *c; c++)
    if (*c == '\n')
      *c = ' ';
  return ctool_error_set(err, 0, "%s %s%s%s: check %s and that %s is setuid root (see 'ctool info')", h->name, how,
                         *errtext ? ": " : "", errtext,
                         strcmp(h->name, "newuidmap") == 0 ? subid_file_path(SUBID_UID) : subid_file_path(SUBID_GID),
                         h->name);
}

int
userns_maps_begin(pid_t pid, const struct idmap *map, struct userns_maps *m, ctool_error_t *err)
{
  *m = (struct userns_maps){ .pid = pid, .uid = { .name = "newuidmap" }, .gid = { .name = "newgidmap" } };
  bool uid_direct = side_is_only_self(map->uid, map->n_uid, (uint32_t) getuid());
  bool gid_direct = side_is_only_self(map->gid, map->n_gid, (uint32_t) getgid());
  int ret = 0;

  /* Both helpers run at once; they write different files. */
  if (!uid_direct)
    ret = start_map_helper(&m->uid, pid, map->uid, map->n_uid, err);
  if (ret == 0 && !gid_direct)
    ret = start_map_helper(&m->gid, pid, map->gid, map->n_gid, err);
  if (ret == 0 && uid_direct)
    ret = write_self_map(pid, false, &map->uid[0], err);
  if (ret == 0 && gid_direct)
    ret = write_self_map(pid, true, &map->gid[0], err);
  if (ret < 0)
    {
      /* Reap whatever was started (the first error is the one told). */
      finish_map_helper(&m->uid, err);
      finish_map_helper(&m->gid, err);
      return ctool_error_prefix(err, "cannot write the ID maps of process %d", (int) pid);
    }
  return 0;
}

int
userns_maps_end(struct userns_maps *m, ctool_error_t *err)
{
  int ret = 0;
  /* Reap both, even after a failure (the first error is the one told). */
  if (finish_map_helper(&m->uid, err) < 0)
    ret = -1;
  if (finish_map_helper(&m->gid, err) < 0)
    ret = -1;
  if (ret < 0)
    return ctool_error_prefix(err, "cannot write the ID maps of process %d", (int) m->pid);
  return 0;
}

int
userns_write_maps(pid_t pid, const struct idmap *map, ctool_error_t *err)
{
  struct userns_maps m;
  if (userns_maps_begin(pid, map, &m, err) < 0)
    return -1;
  return userns_maps_end(&m, err);
}

/* ---- running a function in a new user namespace ---- */

enum sync_type { SYNC_READY = 1, SYNC_GO, SYNC_OK, SYNC_ERROR };

struct sync_msg {
  int32_t type;
  int32_t exit_code;
  int32_t errnum;
  char text[2048];
};

static int
sync_send(int fd, enum sync_type type, const ctool_error_t e)
{
  struct sync_msg m = { .type = type };
  if (e)
    {
      m.exit_code = e->exit_code;
      m.errnum = e->errnum;
      snprintf(m.text, sizeof m.text, "%s", e->msg);
    }
  size_t len = offsetof(struct sync_msg, text) + strlen(m.text) + 1;
  ssize_t w;
  do
    w = send(fd, &m, len, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  return w < 0 ? -1 : 0;
}

/* 1 with a message, 0 at EOF (the peer is gone or exec'd), -1 on error. */
static int
sync_recv(int fd, struct sync_msg *m)
{
  ssize_t r;
  memset(m, 0, sizeof *m);
  do
    r = recv(fd, m, sizeof *m - 1, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -1;
  if (r == 0)
    return 0;
  if ((size_t) r < offsetof(struct sync_msg, text))
    return -1;
  return 1;
}

/* The ID the child becomes: 0 when mapped, else (keep-id without ranges)
 * whatever the user is inside. */
static void
child_become_root(const struct idmap *map, ctool_error_t *err)
{
  int64_t cuid = idmap_to_container(map, false, (uint32_t) getuid());
  int64_t cgid = idmap_to_container(map, true, (uint32_t) getgid());
  uid_t uid = map->n_uid > 0 && map->uid[0].container_id == 0 ? 0 : (uid_t) (cuid < 0 ? 0 : cuid);
  gid_t gid = map->n_gid > 0 && map->gid[0].container_id == 0 ? 0 : (gid_t) (cgid < 0 ? 0 : cgid);
  if (setresgid(gid, gid, gid) < 0)
    ctool_error_set(err, errno, "setresgid(%u) in the user namespace", (unsigned) gid);
  else if (setresuid(uid, uid, uid) < 0)
    ctool_error_set(err, errno, "setresuid(%u) in the user namespace", (unsigned) uid);
}

static __attribute__((noreturn)) void
child_fail(int sock, ctool_error_t *err)
{
  fflush(NULL);
  sync_send(sock, SYNC_ERROR, *err);
  _exit((*err)->exit_code);
}

/* Into the user namespace JOIN_FD (already mapped as MAP) and a new
 * mount namespace; no maps to wait for. */
static void
child_join(int join_fd, ctool_error_t *err)
{
  if (setns(join_fd, CLONE_NEWUSER) < 0)
    ctool_error_set(err, errno, "cannot join the user namespace of the pause process");
  else if (unshare(CLONE_NEWNS) < 0)
    ctool_error_set(err, errno, "cannot create a mount namespace in the user namespace");
}

static __attribute__((noreturn)) void
userns_child(int sock, pid_t parent, int join_fd, const struct idmap *map, int (*fn)(void *, ctool_error_t *),
             void *arg)
{
  ctool_error_t err = NULL;
  struct sync_msg m;

  if (join_fd >= 0)
    {
      child_join(join_fd, &err);
      close(join_fd);
      if (err)
        child_fail(sock, &err);
    }
  else if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
    {
      ctool_error_set(&err, errno, "cannot create a user namespace (run 'ctool info' to see why and how to fix it)");
      child_fail(sock, &err);
    }
  if (sync_send(sock, SYNC_READY, NULL) < 0 || sync_recv(sock, &m) != 1 || m.type != SYNC_GO)
    _exit(EXIT_CTOOL_ERROR); /* the parent is gone or gave up */
  child_become_root(map, &err);
  if (err)
    child_fail(sock, &err);
  /* Never outlive ctool. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(EXIT_CTOOL_ERROR);

  int r = fn(arg, &err);
  if (r < 0)
    {
      if (err == NULL)
        ctool_error_set(&err, 0, "failed in the user namespace");
      child_fail(sock, &err);
    }
  fflush(NULL);
  sync_send(sock, SYNC_OK, NULL);
  _exit(r & 0xff);
}

static int
wait_child(pid_t pid, int *status)
{
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int
error_from_msg(const struct sync_msg *m, ctool_error_t *err)
{
  ctool_error_set_exit(err, m->exit_code > 0 ? m->exit_code : EXIT_CTOOL_ERROR, 0, "%s", m->text);
  if (*err)
    (*err)->errnum = m->errnum;
  return -1;
}

static int
kill_and_reap(pid_t pid)
{
  int status;
  kill(pid, SIGKILL);
  wait_child(pid, &status);
  return -1;
}

int
userns_run(const struct idmap *map, int (*fn)(void *arg, ctool_error_t *err), void *arg, ctool_error_t *err)
{
  return userns_run_in(-1, map, fn, arg, err);
}

int
userns_run_in(int userns_fd, const struct idmap *map, int (*fn)(void *arg, ctool_error_t *err), void *arg,
              ctool_error_t *err)
{
  int sv[2];
  struct sync_msg m;

  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return ctool_error_set(err, errno, "socketpair");
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    {
      int e = errno;
      close(sv[0]);
      close(sv[1]);
      return ctool_error_set(err, e, "fork");
    }
  if (pid == 0)
    {
      close(sv[0]);
      userns_child(sv[1], parent, userns_fd, map, fn, arg);
    }
  close(sv[1]);
  cleanup_close int sock = sv[0];

  int r = sync_recv(sock, &m);
  if (r != 1 || m.type != SYNC_READY)
    {
      int status;
      wait_child(pid, &status);
      if (r == 1 && m.type == SYNC_ERROR)
        return error_from_msg(&m, err);
      return ctool_error_set(err, 0, "the user namespace helper died before it was ready");
    }
  if (userns_fd < 0 && userns_write_maps(pid, map, err) < 0)
    return kill_and_reap(pid);
  if (sync_send(sock, SYNC_GO, NULL) < 0)
    {
      int e = errno;
      kill_and_reap(pid);
      return ctool_error_set(err, e, "release the user namespace helper");
    }

  /* A message, or EOF when FN exec'd (the socket is close-on-exec). */
  r = sync_recv(sock, &m);
  int status;
  if (wait_child(pid, &status) < 0)
    return ctool_error_set(err, errno, "wait for process %d", (int) pid);
  if (r == 1 && m.type == SYNC_ERROR)
    return error_from_msg(&m, err);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return ctool_error_set(err, 0, "process %d ended with wait status 0x%x", (int) pid, (unsigned) status);
}
