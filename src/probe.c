/* Host probes for ctool info and ctool system check: facts as JSON, and
 * problems with their fixes. */
#include "probe.h"
#include "cgroup.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "overlay.h"
#include "subprocess.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

const struct probe_check probe_checks[] = {
  { "host", probe_host_basics },
  { "userns", probe_userns },
  { "subids", probe_subids },
  { "idmap-helpers", probe_idmap_helpers },
  { "overlay", probe_overlay },
  { "cgroups", probe_cgroups },
  { "network", probe_network },
  { "devices", probe_devices },
  { "runtime-dir", probe_runtime_dir },
  { "linger", probe_linger },
  { "store", probe_store },
  { NULL, NULL },
};

void
probe_init(struct probe *p, const char *root, const char *runroot)
{
  memset(p, 0, sizeof *p);
  p->root = root;
  p->runroot = runroot;
  p->host = json_object_new_object();
  p->store = json_object_new_object();
  p->user = current_user_name();
}

void
probe_want_overlay(struct probe *p, const char *mode, const char *origin)
{
  p->overlay_wanted = mode;
  p->overlay_origin = origin;
}

void
probe_run_all(struct probe *p)
{
  for (const struct probe_check *c = probe_checks; c->name; c++)
    c->run(p);
}

void
probe_free(struct probe *p)
{
  for (size_t i = 0; i < p->n_problems; i++)
    {
      free(p->problems[i].id);
      free(p->problems[i].cause);
      free(p->problems[i].file);
      free(p->problems[i].fix);
    }
  free(p->problems);
  json_object_put(p->host);
  json_object_put(p->store);
  free(p->user);
  memset(p, 0, sizeof *p);
}

void
probe_add_problem(struct probe *p, enum probe_severity sev, const char *id, const char *file, const char *fix,
                  const char *cause_fmt, ...)
{
  va_list ap;
  va_start(ap, cause_fmt);
  char *cause = xvasprintf(cause_fmt, ap);
  va_end(ap);
  p->problems = xrealloc(p->problems, (p->n_problems + 1) * sizeof *p->problems);
  p->problems[p->n_problems++] = (struct probe_problem){
    .severity = sev,
    .id = xstrdup(id),
    .cause = cause,
    .file = xstrdup(file ? file : ""),
    .fix = xstrdup(fix ? fix : ""),
  };
}

json_object *
probe_problems_json(const struct probe *p)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < p->n_problems; i++)
    {
      const struct probe_problem *pr = &p->problems[i];
      json_object *o = json_object_new_object();
      json_object_object_add(o, "severity", json_object_new_string(pr->severity == PROBE_ERROR ? "error" : "warning"));
      json_object_object_add(o, "id", json_object_new_string(pr->id));
      json_object_object_add(o, "cause", json_object_new_string(pr->cause));
      json_object_object_add(o, "file", json_object_new_string(pr->file));
      json_object_object_add(o, "fix", json_object_new_string(pr->fix));
      json_object_array_add(a, o);
    }
  return a;
}

/* ---- small helpers ---- */

static json_object *
jstr_or_null(const char *s)
{
  return s ? json_object_new_string(s) : NULL;
}

/* A sysctl under /proc/sys as a number; -1 when the kernel has none. */
static long long
read_sysctl(const char *path)
{
  cleanup_free char *text = NULL;
  ctool_error_t err = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 64, &err) < 0)
    {
      ctool_error_free(&err);
      return -1;
    }
  text[strcspn(text, "\n")] = '\0';
  unsigned long long v;
  return str_to_u64(text, &v) ? (long long) v : -1;
}

static json_object *
sysctl_json(long long v)
{
  return v < 0 ? NULL : json_object_new_int64(v);
}

static bool
systemd_running(void)
{
  return access("/run/systemd/system", F_OK) == 0;
}

char *
os_release_value(const char *path, const char *key)
{
  cleanup_file FILE *f = fopen(path, "re");
  cleanup_free char *line = NULL;
  size_t cap = 0, klen = strlen(key);
  while (f && getline(&line, &cap, f) > 0)
    {
      if (strncmp(line, key, klen) != 0 || line[klen] != '=')
        continue;
      char *v = line + klen + 1;
      v[strcspn(v, "\n")] = '\0';
      size_t n = strlen(v);
      if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
        {
          v[n - 1] = '\0';
          v++;
        }
      return xstrdup(v);
    }
  return NULL;
}

/* ---- host ---- */

void
probe_host_basics(struct probe *p)
{
  struct utsname u;
  uname(&u);
  const char *osr = access("/etc/os-release", R_OK) == 0 ? "/etc/os-release" : "/usr/lib/os-release";
  cleanup_free char *id = os_release_value(osr, "ID");
  cleanup_free char *version = os_release_value(osr, "VERSION_ID");
  cleanup_free char *pretty = os_release_value(osr, "PRETTY_NAME");
  json_object *dist = json_object_new_object();
  json_object_object_add(dist, "distribution", jstr_or_null(id));
  json_object_object_add(dist, "version", jstr_or_null(version));
  json_object_object_add(dist, "prettyName", jstr_or_null(pretty));

  json_object *user = json_object_new_object();
  json_object_object_add(user, "name", json_object_new_string(p->user));
  json_object_object_add(user, "uid", json_object_new_int64(getuid()));
  json_object_object_add(user, "gid", json_object_new_int64(getgid()));

  json_object_object_add(p->host, "arch", json_object_new_string(CTOOL_GOARCH));
  json_object_object_add(p->host, "os", json_object_new_string("linux"));
  json_object_object_add(p->host, "kernel", json_object_new_string(u.release));
  json_object_object_add(p->host, "hostname", json_object_new_string(u.nodename));
  json_object_object_add(p->host, "distribution", dist);
  json_object_object_add(p->host, "user", user);
  json_object_object_add(p->host, "rootless", json_object_new_boolean(getuid() != 0));
}

/* ---- user namespaces ---- */

static int
write_text(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t w = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return w == (ssize_t) strlen(text) ? 0 : -1;
}

/* In a child: everything a container needs of a user namespace: create
 * it with a mount namespace, map ourselves, mount something. AppArmor's
 * restriction (Ubuntu 24.04) lets unshare succeed and fails the rest, so
 * unshare alone proves little. The failing step goes back through FD. */
static __attribute__((noreturn)) void
userns_trial_child(int fd, uid_t uid, gid_t gid)
{
  char map[64];
  const char *step = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
    goto fail;
  step = "write /proc/self/uid_map";
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned) uid);
  if (write_text("/proc/self/uid_map", map) < 0)
    goto fail;
  step = "write /proc/self/gid_map";
  snprintf(map, sizeof map, "0 %u 1\n", (unsigned) gid);
  if (write_text("/proc/self/setgroups", "deny") < 0 || write_text("/proc/self/gid_map", map) < 0)
    goto fail;
  step = "mount a tmpfs in the new namespaces";
  if (mount("tmpfs", access("/tmp", F_OK) == 0 ? "/tmp" : "/", "tmpfs", 0, "size=4k") < 0)
    goto fail;
  _exit(0);
fail:
  dprintf(fd, "%s: %s", step, strerror(errno));
  _exit(1);
}

static bool
userns_trial(char *why, size_t len)
{
  int pfd[2];
  why[0] = '\0';
  if (pipe2(pfd, O_CLOEXEC) < 0)
    {
      snprintf(why, len, "pipe: %s", strerror(errno));
      return false;
    }
  uid_t uid = getuid();
  gid_t gid = getgid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    {
      snprintf(why, len, "fork: %s", strerror(errno));
      close(pfd[0]);
      close(pfd[1]);
      return false;
    }
  if (pid == 0)
    {
      close(pfd[0]);
      userns_trial_child(pfd[1], uid, gid);
    }
  close(pfd[1]);
  ssize_t n = read(pfd[0], why, len - 1);
  why[n > 0 ? n : 0] = '\0';
  close(pfd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return true;
  if (why[0] == '\0')
    describe_wait_status(status, why, len);
  return false;
}

void
probe_userns(struct probe *p)
{
  static const char clone_path[] = "/proc/sys/kernel/unprivileged_userns_clone";
  static const char max_path[] = "/proc/sys/user/max_user_namespaces";
  static const char aa_path[] = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns";
  long long clone_allowed = read_sysctl(clone_path);
  long long max_ns = read_sysctl(max_path);
  long long aa_restrict = read_sysctl(aa_path);
  char why[256];
  p->userns_works = userns_trial(why, sizeof why);

  json_object *o = json_object_new_object();
  json_object_object_add(o, "works", json_object_new_boolean(p->userns_works));
  json_object_object_add(o, "error", json_object_new_string(p->userns_works ? "" : why));
  json_object_object_add(o, "unprivilegedUsernsClone", sysctl_json(clone_allowed));
  json_object_object_add(o, "maxUserNamespaces", sysctl_json(max_ns));
  json_object_object_add(o, "apparmorRestrictUnprivilegedUserns", sysctl_json(aa_restrict));
  json_object_object_add(p->host, "userNamespaces", o);

  if (p->userns_works)
    return;
  if (clone_allowed == 0)
    probe_add_problem(p, PROBE_ERROR, "userns", clone_path,
                      "sudo sysctl -w kernel.unprivileged_userns_clone=1",
                      "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0): no container "
                      "can start (%s); add the setting to /etc/sysctl.d/ to keep it after a reboot",
                      why);
  else if (max_ns == 0)
    probe_add_problem(p, PROBE_ERROR, "userns", max_path, "sudo sysctl -w user.max_user_namespaces=28633",
                      "user namespaces are disabled (user.max_user_namespaces=0): no container can start (%s); add "
                      "the setting to /etc/sysctl.d/ to keep it after a reboot",
                      why);
  else if (aa_restrict == 1)
    probe_add_problem(p, PROBE_ERROR, "userns", aa_path,
                      "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
                      "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, "
                      "as on Ubuntu 24.04): no container can start (%s); alternatively give ctool an AppArmor profile "
                      "with 'userns,' in /etc/apparmor.d/",
                      why);
  else
    probe_add_problem(p, PROBE_ERROR, "userns", "/proc/self/ns/user", "",
                      "cannot create a user namespace (%s): when ctool runs inside a container, start that "
                      "container with --security-opt seccomp=unconfined --security-opt apparmor=unconfined",
                      why);
}

/* ---- subordinate IDs ---- */

static json_object *
ranges_json(const struct subid_ranges *r)
{
  json_object *o = json_object_new_object();
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < r->n; i++)
    {
      json_object *e = json_object_new_object();
      json_object_object_add(e, "start", json_object_new_int64(r->r[i].start));
      json_object_object_add(e, "count", json_object_new_int64(r->r[i].count));
      json_object_array_add(a, e);
    }
  json_object_object_add(o, "source", json_object_new_string(r->source));
  json_object_object_add(o, "ranges", a);
  return o;
}

static json_object *
idmap_side_json(const struct idmap_range *side, size_t n)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_new_object();
      json_object_object_add(e, "container_id", json_object_new_int64(side[i].container_id));
      json_object_object_add(e, "host_id", json_object_new_int64(side[i].host_id));
      json_object_object_add(e, "size", json_object_new_int64(side[i].size));
      json_object_array_add(a, e);
    }
  return a;
}

/* Another user's range in PATH that overlaps one of ours: the first one. */
static void
check_overlaps(struct probe *p, enum subid_kind kind, const struct subid_ranges *mine)
{
  const char *path = subid_file_path(kind);
  struct subid_entry *e = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  if (subid_file_read_all(path, &e, &n, &err) < 0)
    {
      ctool_error_free(&err);
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      if (subid_owner_matches(e[i].owner, p->user, getuid()))
        continue;
      for (size_t j = 0; j < mine->n; j++)
        {
          uint64_t a0 = mine->r[j].start, a1 = a0 + mine->r[j].count;
          uint64_t b0 = e[i].start, b1 = b0 + e[i].count;
          if (a0 < b1 && b0 < a1)
            {
              const char *flag = kind == SUBID_UID ? "subuids" : "subgids";
              cleanup_free char *add = subid_fix_command(p->user);
              cleanup_free char *fix = xasprintf("sudo usermod --del-%s %llu-%llu %s && %s", flag,
                                                 (unsigned long long) a0, (unsigned long long) a1 - 1, p->user, add);
              probe_add_problem(p, PROBE_ERROR, kind == SUBID_UID ? "subuid-overlap" : "subgid-overlap", path, fix,
                                "the subordinate %s %llu-%llu of %s overlap those of %s (%llu-%llu): their containers "
                                "can read and write each other's files",
                                kind == SUBID_UID ? "UIDs" : "GIDs", (unsigned long long) a0,
                                (unsigned long long) a1 - 1, p->user, e[i].owner, (unsigned long long) b0,
                                (unsigned long long) b1 - 1);
              subid_entries_free(e, n);
              return;
            }
        }
    }
  subid_entries_free(e, n);
}

static void
read_user_ranges(struct probe *p, enum subid_kind kind, struct subid_ranges *out)
{
  ctool_error_t err = NULL;
  if (subid_ranges_for_user(kind, out, &err) < 0)
    {
      cleanup_free char *fix = xasprintf("sudo chmod 0644 %s", subid_file_path(kind));
      probe_add_problem(p, PROBE_ERROR, kind == SUBID_UID ? "subuid" : "subgid", subid_file_path(kind), fix, "%s",
                        err->msg);
      ctool_error_free(&err);
      memset(out, 0, sizeof *out);
    }
}

void
probe_subids(struct probe *p)
{
  read_user_ranges(p, SUBID_UID, &p->subuid);
  read_user_ranges(p, SUBID_GID, &p->subgid);
  struct idmap map;
  idmap_build(&p->subuid, &p->subgid, getuid(), getgid(), false, &map);

  json_object *maps = json_object_new_object();
  json_object_object_add(maps, "uidmap", idmap_side_json(map.uid, map.n_uid));
  json_object_object_add(maps, "gidmap", idmap_side_json(map.gid, map.n_gid));
  json_object_object_add(p->host, "subuid", ranges_json(&p->subuid));
  json_object_object_add(p->host, "subgid", ranges_json(&p->subgid));
  json_object_object_add(p->host, "idMappings", maps);

  if (p->subuid.n == 0 || p->subgid.n == 0)
    {
      cleanup_free char *fix = subid_fix_command(p->user);
      bool both = p->subuid.n == 0 && p->subgid.n == 0;
      const char *file = p->subuid.n == 0 ? subid_file_path(SUBID_UID) : subid_file_path(SUBID_GID);
      cleanup_free char *where = both ? xasprintf("%s and %s", subid_file_path(SUBID_UID), subid_file_path(SUBID_GID))
                                      : xstrdup(file);
      probe_add_problem(p, PROBE_ERROR, p->subuid.n == 0 ? "subuid" : "subgid", file, fix,
                        "%s has no subordinate %s in %s: containers get a single-ID mapping, and images with files "
                        "owned by other users cannot be pulled or run",
                        p->user, both ? "UIDs or GIDs" : p->subuid.n == 0 ? "UIDs" : "GIDs", where);
    }
  check_overlaps(p, SUBID_UID, &p->subuid);
  check_overlaps(p, SUBID_GID, &p->subgid);
}

/* ---- newuidmap / newgidmap ---- */

/* "cap_setuid=ep" and the like for the file capabilities of PATH; "" when
 * it has none. Only the bits that matter here are named. */
static void
file_caps_text(const char *path, char *out, size_t len)
{
  struct vfs_ns_cap_data data;
  out[0] = '\0';
  ssize_t n = getxattr(path, "security.capability", &data, sizeof data);
  if (n < (ssize_t) (sizeof(uint32_t) * 3))
    return;
  uint32_t magic = data.magic_etc;
  uint32_t permitted = data.data[0].permitted;
  bool effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
  const char *suffix = effective ? "=ep" : "=p";
  bool su = permitted & (1u << CAP_SETUID), sg = permitted & (1u << CAP_SETGID);
  if (su && sg)
    snprintf(out, len, "cap_setgid,cap_setuid%s", suffix);
  else if (su)
    snprintf(out, len, "cap_setuid%s", suffix);
  else if (sg)
    snprintf(out, len, "cap_setgid%s", suffix);
  else
    snprintf(out, len, "other (permitted 0x%x)", permitted);
}

static bool
helper_can_map(const struct stat *st, const char *caps, int cap)
{
  if ((st->st_mode & S_ISUID) && st->st_uid == 0)
    return true;
  const char *want = cap == CAP_SETUID ? "cap_setuid" : "cap_setgid";
  return strstr(caps, want) && strstr(caps, "=ep");
}

static void
probe_one_helper(struct probe *p, const char *name, int cap, bool needed)
{
  cleanup_free char *path = find_program(name);
  json_object *o = json_object_new_object();
  json_object_object_add(o, "path", jstr_or_null(path));
  json_object_object_add(p->host, name, o);
  if (path == NULL)
    {
      probe_add_problem(p, needed ? PROBE_ERROR : PROBE_WARNING, name, "/usr/bin/newuidmap",
                        "sudo apt-get install uidmap",
                        "%s is not installed: the subordinate IDs cannot be mapped, containers get a single-ID mapping",
                        name);
      return;
    }
  struct stat st;
  char caps[64] = "";
  bool setuid_root = stat(path, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;
  file_caps_text(path, caps, sizeof caps);
  json_object_object_add(o, "setuidRoot", json_object_new_boolean(setuid_root));
  json_object_object_add(o, "fileCapabilities", json_object_new_string(caps));
  if (!helper_can_map(&st, caps, cap))
    {
      cleanup_free char *fix = xasprintf("sudo chmod u+s %s", path);
      probe_add_problem(p, needed ? PROBE_ERROR : PROBE_WARNING, name, path, fix,
                        "%s is neither setuid root nor has the file capability %s: it cannot map the subordinate "
                        "IDs (or: sudo setcap %s=ep %s)",
                        path, cap == CAP_SETUID ? "cap_setuid" : "cap_setgid",
                        cap == CAP_SETUID ? "cap_setuid" : "cap_setgid", path);
    }
}

void
probe_idmap_helpers(struct probe *p)
{
  probe_one_helper(p, "newuidmap", CAP_SETUID, p->subuid.n > 0);
  probe_one_helper(p, "newgidmap", CAP_SETGID, p->subgid.n > 0);
}

/* ---- overlay ---- */

void
probe_overlay(struct probe *p)
{
  struct overlay_choice c;
  ctool_error_t err = NULL;
  json_object *o = json_object_new_object();
  json_object_object_add(p->host, "overlay", o);
  if (overlay_mode_resolve(p->runroot, p->root, p->overlay_wanted, p->overlay_origin, &c, &err) < 0)
    {
      json_object_object_add(o, "mode", NULL);
      json_object_object_add(o, "error", json_object_new_string(err->msg));
      const char *forced = getenv("CTOOL_OVERLAY_MODE");
      if (forced && *forced)
        probe_add_problem(p, PROBE_ERROR, "overlay", "CTOOL_OVERLAY_MODE", "unset CTOOL_OVERLAY_MODE", "%s",
                          err->msg);
      else if (p->overlay_wanted && strcmp(p->overlay_wanted, "auto") != 0)
        {
          /* FILE:LINE of ctool.conf */
          const char *colon = strrchr(p->overlay_origin, ':');
          cleanup_free char *file = colon ? xstrndup(p->overlay_origin, (size_t) (colon - p->overlay_origin))
                                          : xstrdup(p->overlay_origin);
          cleanup_free char *fix = xasprintf("sed -i 's/^ *overlay_mode *=.*/overlay_mode = \"auto\"/' %s", file);
          probe_add_problem(p, PROBE_ERROR, "overlay", file, fix, "%s", err->msg);
        }
      else
        {
          cleanup_free char *fix = xasprintf("mkdir -p %s", p->root);
          probe_add_problem(p, PROBE_ERROR, "overlay", p->root, fix, "cannot choose the overlay mode: %s", err->msg);
        }
      ctool_error_free(&err);
      return;
    }
  json_object_object_add(o, "mode", json_object_new_string(overlay_mode_name(c.mode)));
  json_object_object_add(o, "source", json_object_new_string(c.source));
  json_object_object_add(o, "nativeError", json_object_new_string(c.native_error));
  json_object_object_add(o, "fuseError", json_object_new_string(c.fuse_error));
  if (c.mode != OVERLAY_COPY)
    return;
  cleanup_free char *prog = find_program("fuse-overlayfs");
  cleanup_free char *forced_by = xasprintf("forced by %s", c.source);
  probe_add_problem(p, PROBE_WARNING, "overlay", prog ? "/dev/fuse" : "/usr/bin/fuse-overlayfs",
                    prog ? "sudo chmod 0666 /dev/fuse" : "sudo apt-get install fuse-overlayfs",
                    "containers get a slow copy of their image: native overlay does not work here (%s) and "
                    "fuse-overlayfs cannot be used (%s)",
                    c.native_error[0] ? c.native_error : forced_by,
                    c.fuse_error[0] ? c.fuse_error : "-");
}

/* ---- cgroups ---- */

static const char grub_fix[] = "sudo sed -i 's/^GRUB_CMDLINE_LINUX=\"/&systemd.unified_cgroup_hierarchy=1 /' "
                               "/etc/default/grub && sudo update-grub && sudo reboot";

static char **
read_words(const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf("%s/%s", dir, file);
  cleanup_free char *text = NULL;
  char **v = xzalloc(sizeof(char *));
  ctool_error_t err = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 4096, &err) < 0)
    {
      ctool_error_free(&err);
      return v;
    }
  char *save = NULL;
  for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
    strv_push(&v, w);
  return v;
}

static void
cgroup_problems(struct probe *p, const struct cgroup_host *h, const char *layout)
{
  if (strcmp(layout, "unified") != 0)
    {
      cleanup_free char *have = NULL;
      if (h->mount)
        {
          cleanup_strv char **ctl = read_words(h->mount, "cgroup.controllers");
          have = ctl[0] ? xstrdup("") : xstrdup("none");
          for (size_t i = 0; ctl[i]; i++)
            {
              char *t = xasprintf("%s%s%s", have, i ? " " : "", ctl[i]);
              free(have);
              have = t;
            }
        }
      cleanup_free char *where = h->mount ? xasprintf(": cgroup2 at %s with the controllers: %s", h->mount, have)
                                          : xstrdup(": no cgroup2 mounted");
      probe_add_problem(p, PROBE_WARNING, "cgroup-v2", "/etc/default/grub", grub_fix,
                        "cgroup v2 is not the unified hierarchy (%s layout%s): no resource limits (--memory, "
                        "--cpus, --pids-limit); boot with systemd.unified_cgroup_hierarchy=1",
                        layout, where);
      return;
    }
  /* Without a delegated cgroup of our own, the user's systemd makes the
   * containers' scopes in its instance's cgroup. */
  const char *where = h->delegated ? h->delegated : h->systemd_user;
  if (where == NULL)
    {
      cleanup_free char *fix = NULL;
      if (systemd_running())
        fix = xasprintf("machinectl shell %s@", p->user);
      else
        fix = xasprintf("sudo mkdir -p %s/%s.slice && sudo chown -R %s: %s/%s.slice && echo $$ | sudo tee "
                        "%s/%s.slice/cgroup.procs",
                        h->mount, p->user, p->user, h->mount, p->user, h->mount, p->user);
      probe_add_problem(p, PROBE_WARNING, "cgroup-delegation", h->own ? h->own : h->mount, fix,
                        "no cgroup is delegated to %s (its cgroup %s is not owned by it; e.g. after su or sudo): "
                        "containers run without resource limits",
                        p->user, h->own ? h->own : "(unknown)");
      return;
    }
  static const char *const wanted[] = { "memory", "pids", "cpu" };
  cleanup_free char *missing = xstrdup("");
  for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
    if (!strv_contains(h->controllers, wanted[i]))
      {
        char *t = xasprintf("%s%s%s", missing, *missing ? " " : "", wanted[i]);
        free(missing);
        missing = t;
      }
  if (*missing == '\0')
    return;
  cleanup_free char *fix = NULL;
  if (systemd_running())
    fix = xstrdup("sudo mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu cpuset io "
                  "memory pids\\n' | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl "
                  "daemon-reload");
  else
    {
      cleanup_free char *parent = xstrdup(where);
      char *slash = strrchr(parent, '/');
      if (slash)
        *slash = '\0';
      fix = xasprintf("echo '+memory +pids +cpu' | sudo tee %s/cgroup.subtree_control", parent);
    }
  probe_add_problem(p, PROBE_WARNING, "cgroup-controllers", where, fix,
                    "the controllers %s are not delegated to %s (in %s): the matching limits cannot be enforced",
                    missing, p->user, where);
}

void
probe_cgroups(struct probe *p)
{
  struct cgroup_host h;
  cgroup_host_probe(&h);
  const char *layout = h.mount == NULL ? "legacy" : h.unified ? "unified" : "hybrid";
  json_object_object_add(p->host, "cgroupVersion", json_object_new_string(h.mount ? "v2" : "v1"));
  json_object_object_add(p->host, "cgroupLayout", json_object_new_string(layout));
  json_object_object_add(p->host, "cgroupManager",
                         json_object_new_string(cgroup_manager_name(cgroup_manager_default())));
  json_object *o = json_object_new_object();
  json_object_object_add(o, "mount", jstr_or_null(h.mount));
  json_object_object_add(o, "own", jstr_or_null(h.own));
  cleanup_free char *procs = h.own ? xasprintf("%s/cgroup.procs", h.own) : NULL;
  json_object_object_add(o, "ownWritable", json_object_new_boolean(procs && access(procs, W_OK) == 0));
  json_object_object_add(o, "delegated", jstr_or_null(h.delegated));
  cleanup_strv char **subtree = h.delegated ? read_words(h.delegated, "cgroup.subtree_control") : NULL;
  json_object_object_add(o, "subtreeControl", json_strv_new(subtree));
  json_object_object_add(o, "v1Controllers", json_object_new_boolean(h.v1_controllers));
  json_object_object_add(p->host, "cgroup", o);
  json_object_object_add(p->host, "cgroupControllers", json_strv_new(h.controllers));
  cgroup_problems(p, &h, layout);
  cgroup_host_clear(&h);
}

/* ---- network helpers ---- */

/* "slirp4netns version 1.2.0" -> "1.2.0". */
static char *
slirp_version(const char *path)
{
  char *argv[] = { (char *) path, "--version", NULL };
  cleanup_free char *out = NULL;
  cleanup_free char *errtext = NULL;
  int status;
  ctool_error_t err = NULL;
  if (spawn_run(argv, &out, &errtext, &status, &err) < 0)
    {
      ctool_error_free(&err);
      return NULL;
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return NULL;
  out[strcspn(out, "\n")] = '\0';
  const char *v = strstr(out, "version ");
  return xstrdup(v ? v + strlen("version ") : out);
}

void
probe_network(struct probe *p)
{
  cleanup_free char *slirp = find_program("slirp4netns");
  cleanup_free char *pasta = find_program("pasta");
  cleanup_free char *version = slirp ? slirp_version(slirp) : NULL;
  json_object *s = json_object_new_object();
  json_object_object_add(s, "executable", jstr_or_null(slirp));
  json_object_object_add(s, "version", jstr_or_null(version));
  json_object_object_add(p->host, "slirp4netns", s);
  json_object *ps = json_object_new_object();
  json_object_object_add(ps, "executable", jstr_or_null(pasta));
  json_object_object_add(p->host, "pasta", ps);
  if (slirp == NULL && pasta == NULL)
    probe_add_problem(p, PROBE_WARNING, "network-helper", "/usr/bin/slirp4netns", "sudo apt-get install slirp4netns",
                      "neither slirp4netns nor pasta is installed: containers can only use --network none or host");
}

/* ---- devices ---- */

static void
probe_device(struct probe *p, json_object *devs, const char *key, const char *path, const char *module,
             const char *what_breaks)
{
  json_object *o = json_object_new_object();
  struct stat st;
  bool present = stat(path, &st) == 0;
  bool ok = present && access(path, R_OK | W_OK) == 0;
  int e = errno;
  json_object_object_add(o, "path", json_object_new_string(path));
  json_object_object_add(o, "accessible", json_object_new_boolean(ok));
  json_object_object_add(o, "error", json_object_new_string(ok ? "" : strerror(e)));
  json_object_object_add(devs, key, o);
  if (ok)
    return;
  if (!present)
    {
      cleanup_free char *fix = xasprintf("sudo modprobe %s", module);
      probe_add_problem(p, PROBE_WARNING, key, path, fix, "%s does not exist: %s", path, what_breaks);
      return;
    }
  cleanup_free char *fix = xasprintf("sudo chmod 0666 %s", path);
  probe_add_problem(p, PROBE_WARNING, key, path, fix, "%s is not readable and writable by %s (mode %04o): %s", path,
                    p->user, (unsigned) (st.st_mode & 07777), what_breaks);
}

void
probe_devices(struct probe *p)
{
  json_object *devs = json_object_new_object();
  json_object_object_add(p->host, "devices", devs);
  probe_device(p, devs, "tun", "/dev/net/tun", "tun",
               "slirp4netns and pasta cannot give containers a network (--network slirp4netns, -p)");
  probe_device(p, devs, "fuse", "/dev/fuse", "fuse",
               "fuse-overlayfs cannot run (needed where native overlay is not available)");
}

/* ---- XDG_RUNTIME_DIR ---- */

/* How to get a runtime directory: the one logind made, or make one. */
static char *
runtime_dir_fix(const char *user)
{
  cleanup_free char *dir = xasprintf("/run/user/%u", (unsigned) getuid());
  struct stat st;
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid())
    return xasprintf("export XDG_RUNTIME_DIR=%s", dir);
  if (systemd_running())
    return xasprintf("sudo loginctl enable-linger %s && export XDG_RUNTIME_DIR=%s", user, dir);
  struct group *g = getgrgid(getgid());
  return xasprintf("sudo install -d -m 0700 -o %s -g %s %s && export XDG_RUNTIME_DIR=%s", user,
                   g ? g->gr_name : user, dir, dir);
}

void
probe_runtime_dir(struct probe *p)
{
  const char *dir = getenv("XDG_RUNTIME_DIR");
  json_object *o = json_object_new_object();
  json_object_object_add(p->host, "runtimeDir", o);
  json_object_object_add(o, "XDG_RUNTIME_DIR", jstr_or_null(dir && *dir ? dir : NULL));
  struct stat st;
  bool exists = dir && *dir == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
  bool owned = exists && st.st_uid == getuid();
  json_object_object_add(o, "ownedByUser", json_object_new_boolean(owned));
  if (owned)
    return;
  cleanup_free char *fix = runtime_dir_fix(p->user);
  if (dir == NULL || *dir == '\0')
    probe_add_problem(p, PROBE_WARNING, "xdg-runtime-dir", "XDG_RUNTIME_DIR", fix,
                      "XDG_RUNTIME_DIR is not set (a shell from su or sudo has none): runtime state goes to %s "
                      "and the systemd cgroup manager cannot reach the user's D-Bus",
                      p->runroot);
  else if (!exists)
    probe_add_problem(p, PROBE_WARNING, "xdg-runtime-dir", dir, fix,
                      "XDG_RUNTIME_DIR=%s does not exist: runtime state goes to %s", dir, p->runroot);
  else
    probe_add_problem(p, PROBE_WARNING, "xdg-runtime-dir", dir, fix,
                      "XDG_RUNTIME_DIR=%s belongs to UID %u, not to %s (the environment of su or sudo): runtime "
                      "state goes to %s",
                      dir, (unsigned) st.st_uid, p->user, p->runroot);
}

/* ---- lingering ---- */

void
probe_linger(struct probe *p)
{
  if (!systemd_running())
    {
      json_object_object_add(p->host, "linger", NULL);
      return;
    }
  cleanup_free char *path = xasprintf("/var/lib/systemd/linger/%s", p->user);
  bool on = access(path, F_OK) == 0;
  json_object_object_add(p->host, "linger", json_object_new_boolean(on));
  if (!on)
    {
      cleanup_free char *fix = xasprintf("sudo loginctl enable-linger %s", p->user);
      probe_add_problem(p, PROBE_WARNING, "linger", path, fix,
                        "lingering is off for %s: systemd stops detached containers when the last session ends",
                        p->user);
    }
}

/* ---- store ---- */

void
probe_store(struct probe *p)
{
  json_object_object_add(p->store, "graphRoot", json_object_new_string(p->root));
  json_object_object_add(p->store, "runRoot", json_object_new_string(p->runroot));
  json_object_object_add(p->store, "graphDriverName", json_object_new_string("overlay"));
  json_object *overlay = json_object_object_get(p->host, "overlay");
  const char *mode = overlay ? json_get_str(overlay, "mode") : NULL;
  json_object_object_add(p->store, "overlayMode", jstr_or_null(mode));
}
