/* The systemd manager: a transient scope per container, made by the user's
 * own systemd instance over D-Bus (StartTransientUnit), with Delegate=yes
 * so that the scope's cgroup is ours to configure.
 *
 * libsystemd is loaded with dlopen the first time this manager is used:
 * linked in, it and what it pulls (libgcrypt, liblzma, libzstd, liblz4)
 * cost every ctool command a millisecond and a megabyte, mostly for
 * hosts and commands that never talk to systemd. */
#include "cgroup-internal.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <dlfcn.h>
#include <systemd/sd-bus.h>

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

/* The few sd-bus calls this file makes, resolved from libsystemd. */
static struct {
  __typeof__(sd_bus_default_user) *default_user;
  __typeof__(sd_bus_open_user) *open_user;
  __typeof__(sd_bus_flush_close_unref) *flush_close_unref;
  __typeof__(sd_bus_message_new_method_call) *message_new_method_call;
  __typeof__(sd_bus_message_append) *message_append;
  __typeof__(sd_bus_message_open_container) *message_open_container;
  __typeof__(sd_bus_message_close_container) *message_close_container;
  __typeof__(sd_bus_message_unref) *message_unref;
  __typeof__(sd_bus_call) *call;
  __typeof__(sd_bus_call_method) *call_method;
  __typeof__(sd_bus_error_free) *error_free;
} sdb;

/* 0 once the functions above are there; else -1 and ERR says why (once
 * failed, it stays failed: the library does not appear mid-command). */
static int
sdbus_load(ctool_error_t *err)
{
  static int state;     /* 0 not tried, 1 loaded, -1 failed */
  static char why[256];
  if (state == 0)
    {
      void *h = dlopen(LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
      const char *missing = NULL;
      if (h == NULL)
        snprintf(why, sizeof why, "%s", dlerror());
#define SDBUS_SYM(field, name)                                                                                        \
  if (h && missing == NULL && (*(void **) &sdb.field = dlsym(h, name)) == NULL)                                       \
    missing = name;
      SDBUS_SYM(default_user, "sd_bus_default_user")
      SDBUS_SYM(open_user, "sd_bus_open_user")
      SDBUS_SYM(flush_close_unref, "sd_bus_flush_close_unref")
      SDBUS_SYM(message_new_method_call, "sd_bus_message_new_method_call")
      SDBUS_SYM(message_append, "sd_bus_message_append")
      SDBUS_SYM(message_open_container, "sd_bus_message_open_container")
      SDBUS_SYM(message_close_container, "sd_bus_message_close_container")
      SDBUS_SYM(message_unref, "sd_bus_message_unref")
      SDBUS_SYM(call, "sd_bus_call")
      SDBUS_SYM(call_method, "sd_bus_call_method")
      SDBUS_SYM(error_free, "sd_bus_error_free")
#undef SDBUS_SYM
      if (h && missing)
        snprintf(why, sizeof why, "%s has no %s", LIBSYSTEMD_SONAME, missing);
      state = h && missing == NULL ? 1 : -1;
      if (state < 0)
        log_debug("systemd cgroup manager: %s", why);
    }
  if (state < 0)
    return ctool_error_set(err, 0,
                           "cannot load libsystemd (%s): install it (apt-get install libsystemd0) or use "
                           "--cgroup-manager cgroupfs",
                           why);
  return 0;
}

static bool
systemd_available(void)
{
  /* The user's bus, and the unified hierarchy systemd delegates on. */
  const char *rt = getenv("XDG_RUNTIME_DIR");
  const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
  if (cgroup2_mount() == NULL || strcmp(cgroup2_mount(), "/sys/fs/cgroup") != 0)
    return false;
  if (!(addr && *addr))
    {
      if (rt == NULL)
        return false;
      cleanup_free char *bus = xasprintf("%s/bus", rt);
      if (access(bus, F_OK) != 0)
        return false;
    }
  ctool_error_t err = NULL;
  if (sdbus_load(&err) < 0)
    {
      ctool_error_free(&err);
      return false;
    }
  return true;
}

static void
cleanup_busp(sd_bus **b)
{
  if (*b)
    sdb.flush_close_unref(*b);
}

static int
append_properties(sd_bus_message *m, const char *id, pid_t pid)
{
  /* The supervisor (the calling process) goes into the scope with the
   * container: from there it may move itself into SCOPE/supervisor even
   * when the cgroup it came from is not the user's (an SSH login). */
  int r;
  cleanup_free char *desc = xasprintf("ctool container %s", id);
  if ((r = sdb.message_open_container(m, 'a', "(sv)")) < 0
      || (r = sdb.message_append(m, "(sv)", "Description", "s", desc)) < 0
      || (r = sdb.message_append(m, "(sv)", "PIDs", "au", 2, (uint32_t) pid, (uint32_t) getpid())) < 0
      || (r = sdb.message_append(m, "(sv)", "Delegate", "b", 1)) < 0
      || (r = sdb.message_append(m, "(sv)", "Slice", "s", "user.slice")) < 0
      /* Report OOM kills ourselves instead of systemd stopping the scope. */
      || (r = sdb.message_append(m, "(sv)", "OOMPolicy", "s", "continue")) < 0
      || (r = sdb.message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed")) < 0)
    return r;
  return sdb.message_close_container(m);
}

static bool
in_unit(pid_t pid, const char *unit)
{
  cleanup_free char *cg = cgroup_of_pid(pid);
  return cg && strstr(cg, unit);
}

/* Wait until PID and the caller show up in the scope (the job runs
 * asynchronously); PID alone is enough on the last round. */
static char *
wait_for_scope(pid_t pid, const char *unit)
{
  for (int i = 0; i < 500; i++)
    {
      cleanup_free char *cg = cgroup_of_pid(pid);
      if (cg && strstr(cg, unit) && (in_unit(0, unit) || i == 499))
        return xasprintf("%s%s", cgroup2_mount(), cg);
      struct timespec ts = { 0, 2 * 1000 * 1000 };
      nanosleep(&ts, NULL);
    }
  return NULL;
}

static int
systemd_create(const char *id, pid_t pid, char **path, ctool_error_t *err)
{
  *path = NULL;
  if (sdbus_load(err) < 0)
    return -1;
  __attribute__((cleanup(cleanup_busp))) sd_bus *bus = NULL;
  int r = sdb.default_user(&bus);
  if (r < 0)
    return ctool_error_set(err, -r, "connect to the user's systemd over D-Bus (use --cgroup-manager cgroupfs, or 'loginctl enable-linger' for a user instance)");
  cleanup_free char *unit = xasprintf("ctool-%s.scope", id);
  sd_bus_message *m = NULL;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  r = sdb.message_new_method_call(bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0)
    r = sdb.message_append(m, "ss", unit, "fail");
  if (r >= 0)
    r = append_properties(m, id, pid);
  if (r >= 0)
    r = sdb.message_append(m, "a(sa(sv))", 0);
  if (r < 0)
    {
      sdb.message_unref(m);
      return ctool_error_set(err, -r, "build the StartTransientUnit request");
    }
  r = sdb.call(bus, m, 0, &e, &reply);
  sdb.message_unref(m);
  sdb.message_unref(reply);
  if (r < 0)
    {
      ctool_error_set(err, 0, "systemd could not create %s: %s", unit, e.message ? e.message : strerror(-r));
      sdb.error_free(&e);
      return -1;
    }
  sdb.error_free(&e);
  cleanup_free char *scope = wait_for_scope(pid, unit);
  if (scope == NULL)
    return ctool_error_set(err, 0, "systemd created %s but the container did not appear in it", unit);
  /* systemd removes an empty scope at once: the waiting process stays in
   * it, so that how the container ended (memory.events) can be read. */
  return cgroup_split_supervised(scope, pid, path, err);
}

/* The unit "ctool-ID.scope" and the path below it in PATH, or -1. */
static int
split_scope_path(const char *path, char **unit, char **sub)
{
  const char *start = strstr(path, "/ctool-");
  const char *end = start ? strstr(start, ".scope") : NULL;
  if (end == NULL || (end[6] != '/' && end[6] != '\0'))
    return -1;
  end += 6;
  *unit = xstrndup(start + 1, (size_t) (end - start - 1));
  *sub = xstrdup(*end ? end : "/");
  return 0;
}

int
cgroup_systemd_attach(const char *path, pid_t pid, ctool_error_t *err)
{
  cleanup_free char *unit = NULL;
  cleanup_free char *sub = NULL;
  if (split_scope_path(path, &unit, &sub) < 0)
    return ctool_error_set(err, 0, "%s is not in a scope of ctool's", path);
  if (sdbus_load(err) < 0)
    return -1;
  __attribute__((cleanup(cleanup_busp))) sd_bus *bus = NULL;
  int r = sdb.open_user(&bus);
  if (r < 0)
    return ctool_error_set(err, -r, "connect to the user's systemd over D-Bus");
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  r = sdb.call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                         "org.freedesktop.systemd1.Manager", "AttachProcessesToUnit", &e, &reply, "ssau", unit, sub,
                         1, (uint32_t) pid);
  sdb.message_unref(reply);
  if (r < 0)
    {
      ctool_error_set(err, 0, "systemd could not move process %d into %s%s: %s", (int) pid, unit, sub,
                      e.message ? e.message : strerror(-r));
      sdb.error_free(&e);
      return -1;
    }
  sdb.error_free(&e);
  return 0;
}

#else

int
cgroup_systemd_attach(const char *path, pid_t pid, ctool_error_t *err)
{
  (void) pid;
  return ctool_error_set(err, 0, "ctool was built without libsystemd: cannot ask systemd to move a process into %s", path);
}

static bool
systemd_available(void)
{
  return false;
}

static int
systemd_create(const char *id, pid_t pid, char **path, ctool_error_t *err)
{
  *path = NULL;
  return ctool_error_set(err, 0, "ctool was built without libsystemd: use --cgroup-manager cgroupfs");
}

#endif

const struct cgroup_manager cgroup_manager_systemd = {
  .name = "systemd",
  .available = systemd_available,
  .create = systemd_create,
};
