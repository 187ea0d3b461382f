/* Hidden test entry points of the low-level runtime (not for users; the
 * bats tests of sandbox.c use them, `ctool run` is the real interface):
 *
 *   ctool __sandbox [--defaults] [--lower DIR... --upper DIR --work DIR]
 *                   [--pid-file FILE] [--host-network] BUNDLE [CMD...]
 *       run BUNDLE/config.json (root.path relative to BUNDLE) in the
 *       foreground; CMD replaces process.args; --defaults fills what the
 *       spec leaves out with Podman's defaults (mounts, masked and
 *       read-only paths, capabilities, seccomp, all namespaces).
 *   ctool __sandbox-exec [--defaults] [--tty] PID BUNDLE CMD...
 *       run CMD in the container whose PID 1 is PID, with BUNDLE's
 *       config.json for its process settings and seccomp profile. */
#include "commands.h"
#include "context.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "overlay.h"
#include "sandbox.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct cli_option sandbox_options[] = {
  { "defaults", 0, OPT_BOOL, NULL, "Fill what config.json leaves out with Podman's defaults", NULL },
  { "lower", 0, OPT_LIST, "DIR", "Overlay lower directory (bottom first)", COMPLETE_DIRS },
  { "upper", 0, OPT_STRING, "DIR", "Overlay upper directory", COMPLETE_DIRS },
  { "work", 0, OPT_STRING, "DIR", "Overlay work directory", COMPLETE_DIRS },
  { "rootfs", 0, OPT_STRING, "DIR", "Mount point of the root filesystem", COMPLETE_DIRS },
  { "pid-file", 0, OPT_STRING, "FILE", "Write the container's PID here", COMPLETE_FILES },
  { "host-network", 0, OPT_BOOL, NULL, "Stay in the host's network namespace", NULL },
  { NULL },
};

static const struct cli_option sandbox_exec_options[] = {
  { "defaults", 0, OPT_BOOL, NULL, "Fill what config.json leaves out with Podman's defaults", NULL },
  { "tty", 't', OPT_BOOL, NULL, "Allocate a pseudo-terminal", NULL },
  { NULL },
};

static json_object *
ensure_obj(json_object *parent, const char *key)
{
  json_object *o = json_get_obj(parent, key);
  if (o == NULL)
    {
      o = json_object_new_object();
      json_object_object_add(parent, key, o);
    }
  return o;
}

static json_object *
strv_json(const char *const *v)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; v[i]; i++)
    json_object_array_add(a, json_object_new_string(v[i]));
  return a;
}

static void
fill_defaults(json_object *spec)
{
  json_object *linux_ = ensure_obj(spec, "linux");
  json_object *process = ensure_obj(spec, "process");
  if (!json_get_array(spec, "mounts"))
    json_object_object_add(spec, "mounts", sandbox_default_mounts());
  if (!json_get_array(linux_, "maskedPaths"))
    json_object_object_add(linux_, "maskedPaths", strv_json(sandbox_default_masked_paths));
  if (!json_get_array(linux_, "readonlyPaths"))
    json_object_object_add(linux_, "readonlyPaths", strv_json(sandbox_default_readonly_paths));
  if (!json_get_array(linux_, "namespaces"))
    {
      static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "user", "cgroup", NULL };
      json_object *ns = json_object_new_array();
      for (size_t i = 0; types[i]; i++)
        {
          json_object *o = json_object_new_object();
          json_object_object_add(o, "type", json_object_new_string(types[i]));
          json_object_array_add(ns, o);
        }
      json_object_object_add(linux_, "namespaces", ns);
    }
  if (!json_get_obj(process, "capabilities"))
    {
      json_object *caps = json_object_new_object();
      json_object_object_add(caps, "bounding", strv_json(sandbox_default_caps));
      json_object_object_add(caps, "effective", strv_json(sandbox_default_caps));
      json_object_object_add(caps, "permitted", strv_json(sandbox_default_caps));
      json_object_object_add(process, "capabilities", caps);
    }
  if (!json_get_obj(linux_, "seccomp"))
    json_object_object_add(linux_, "seccomp", sandbox_default_seccomp((char *const *) sandbox_default_caps));
}

static int
load_bundle(const char *bundle, json_object **spec, char **rootfs, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/config.json", bundle);
  if (json_read_file_at(AT_FDCWD, path, spec, err) < 0)
    return -1;
  const char *root = json_get_str(json_get_obj(*spec, "root"), "path");
  if (root == NULL)
    root = "rootfs";
  *rootfs = root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", bundle, root);
  return 0;
}

static void
set_args(json_object *process, char *const *argv)
{
  if (argv == NULL || argv[0] == NULL)
    return;
  json_object_object_add(process, "args", strv_json((const char *const *) argv));
}

/* A plain relay between our stdio and the pty master, until the pty closes. */
static void
relay_console(int master)
{
  struct pollfd fds[2] = { { .fd = master, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
  char buf[4096];
  for (;;)
    {
      if (poll(fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return;
        }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read(master, buf, sizeof buf);
          if (n <= 0)
            return;
          if (write(1, buf, (size_t) n) < 0)
            return;
        }
      if (fds[1].revents & (POLLIN | POLLHUP))
        {
          ssize_t n = read(0, buf, sizeof buf);
          if (n <= 0)
            fds[1].fd = -1;
          else if (write(master, buf, (size_t) n) < 0)
            return;
        }
    }
}

static int
wait_exit_code(pid_t pid)
{
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return EXIT_CTOOL_ERROR;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
run_sandbox(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  char *const *argv = cli_argv(args);
  cleanup_json json_object *spec = NULL;
  cleanup_free char *rootfs = NULL;
  if (load_bundle(argv[0], &spec, &rootfs, err) < 0)
    return -1;
  set_args(ensure_obj(spec, "process"), argv + 1);
  if (cli_flag(args, "defaults"))
    fill_defaults(spec);
  struct idmap map;
  if (idmap_for_user(&map, false, err) < 0 || ctx_ensure_dirs(ctx, err) < 0)
    return -1;
  cleanup_free char *cache = xasprintf("%s/seccomp", ctx->runroot);
  struct sandbox_config c = {
    .spec = spec,
    .idmap = &map,
    .rootfs_dir = rootfs,
    .seccomp_cache_dir = cache,
    .stdin_fd = -1,
    .stdout_fd = -1,
    .stderr_fd = -1,
    .host_network = cli_flag(args, "host-network"),
  };
  char *const *lower = cli_list(args, "lower");
  if (lower && lower[0])
    {
      if (overlay_mode_detect(ctx->runroot, &c.overlay, err) < 0)
        return -1;
      c.lower_dirs = lower;
      c.upper_dir = cli_str(args, "upper");
      c.work_dir = cli_str(args, "work");
      if (cli_str(args, "rootfs"))
        c.rootfs_dir = cli_str(args, "rootfs");
    }
  pid_t pid;
  int console = -1;
  if (sandbox_start(&c, &pid, &console, err) < 0)
    return -1;
  const char *pid_file = cli_str(args, "pid-file");
  if (pid_file)
    {
      char text[32];
      int n = snprintf(text, sizeof text, "%d\n", (int) pid);
      if (write_file_atomic_at(AT_FDCWD, pid_file, text, (size_t) n, 0644, false, err) < 0)
        {
          kill(pid, SIGKILL);
          wait_exit_code(pid);
          return -1;
        }
    }
  if (console >= 0)
    {
      relay_console(console);
      close(console);
    }
  return wait_exit_code(pid);
}

static int
run_sandbox_exec(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  char *const *argv = cli_argv(args);
  unsigned long long target;
  if (!str_to_u64(argv[0], &target) || target == 0)
    return ctool_error_set(err, 0, "invalid PID '%s'", argv[0]);
  cleanup_json json_object *spec = NULL;
  cleanup_free char *rootfs = NULL;
  if (load_bundle(argv[1], &spec, &rootfs, err) < 0)
    return -1;
  if (cli_flag(args, "defaults"))
    fill_defaults(spec);
  json_object *process = ensure_obj(spec, "process");
  set_args(process, argv + 2);
  json_object_object_add(process, "terminal", json_object_new_boolean(cli_flag(args, "tty")));
  if (ctx_ensure_dirs(ctx, err) < 0)
    return -1;
  cleanup_free char *cache = xasprintf("%s/seccomp", ctx->runroot);
  struct sandbox_exec_config c = {
    .container_pid = (pid_t) target,
    .spec = spec,
    .process = process,
    .seccomp_cache_dir = cache,
    .stdin_fd = -1,
    .stdout_fd = -1,
    .stderr_fd = -1,
  };
  pid_t pid;
  int console = -1;
  if (sandbox_exec(&c, &pid, &console, err) < 0)
    return -1;
  if (console >= 0)
    {
      relay_console(console);
      close(console);
    }
  return wait_exit_code(pid);
}

const struct cli_command cmd_sandbox = {
  .name = "__sandbox",
  .summary = "Run an OCI bundle with the low-level runtime (tests)",
  .usage = "[options] BUNDLE [COMMAND [ARG...]]",
  .handler = run_sandbox,
  .options = sandbox_options,
  .flags = CLI_HIDDEN | CLI_STOP_AT_POSITIONAL,
  .min_args = 1,
  .max_args = -1,
};

const struct cli_command cmd_sandbox_exec = {
  .name = "__sandbox-exec",
  .summary = "Run a command in a running sandbox (tests)",
  .usage = "[options] PID BUNDLE COMMAND [ARG...]",
  .handler = run_sandbox_exec,
  .options = sandbox_exec_options,
  .flags = CLI_HIDDEN | CLI_STOP_AT_POSITIONAL,
  .min_args = 3,
  .max_args = -1,
};
