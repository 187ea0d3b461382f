#include "start.h"

#include "container-net.h"
#include "ctool-conf.h"
#include "ctr-cgroup.h"
#include "foreground.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "logfile.h"
#include "monitor.h"
#include "overlay.h"
#include "pause.h"
#include "sandbox.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

bool
status_is_live(enum ctr_status s)
{
  return s == CTR_RUNNING || s == CTR_STOPPING || s == CTR_PAUSED;
}

/* Everything sandbox_start needs, with the storage it points into. */
struct prepared {
  const struct container *c;
  int64_t started;
  json_object *spec;
  struct idmap map;
  char **lower;
  char *upper, *work, *rootfs, *seccomp_cache;
  struct sandbox_config cfg;
  int net_fds[2];  /* the network helper's exit fd, -1 ended (monitor keep_fds) */
  int userns_fd;   /* the pause process's user namespace, or -1 */
};

static void
prepared_clear(struct prepared *p)
{
  if (p->spec)
    json_object_put(p->spec);
  strv_free(p->lower);
  free(p->upper);
  free(p->work);
  free(p->rootfs);
  free(p->seccomp_cache);
  if (p->net_fds[0] >= 0)
    close(p->net_fds[0]);
  if (p->userns_fd >= 0)
    close(p->userns_fd);
  memset(p, 0, sizeof *p);
  p->net_fds[0] = p->net_fds[1] = p->userns_fd = -1;
}

static int save_running(const struct container *c, pid_t pid, pid_t monitor, int64_t started, ctool_error_t *err);

/* The network helper (slirp4netns, pasta) for the container's namespaces:
 * the command runs only once the network is up. This process keeps the
 * helper's exit fd (the monitor gets it through keep_fds), so the helper
 * ends with whoever waits for the container, even after a kill -9. */
static int
start_network_hook(struct prepared *p, pid_t pid, ctool_error_t *err)
{
  return ctr_net_start(p->c, pid, &p->net_fds[0], err);
}

/* sandbox_start's before_start: the container process exists (and will
 * exec once this returns), so record it now. Should ctool (or the
 * monitor) die from here on, ps still finds the process and stop and rm
 * can end it. Runs in the process that will wait for the container: ctool
 * in the foreground, the monitor-to-be for a detached one. The network
 * and cgroup placement hooks belong here too, before this one returns. */
static int
record_pid_hook(void *data, pid_t pid, ctool_error_t *err)
{
  struct prepared *p = data;
  if (start_network_hook(p, pid, err) < 0)
    return -1;
  return save_running(p->c, pid, getpid(), p->started, err);
}

/* sandbox_start's place hook: into the container's cgroup, with its
 * limits, before the child makes its cgroup namespace. */
static int
place_in_cgroup_hook(void *data, pid_t pid, ctool_error_t *err)
{
  const struct prepared *p = data;
  return ctr_cgroup_place(p->c, p->spec, pid, err);
}

/* sandbox_start's precreate hook: the cgroup made before the clone, so
 * that the process is born in it. */
static int
precreate_cgroup_hook(void *data, int *dirfd, char **path, ctool_error_t *err)
{
  const struct prepared *p = data;
  return ctr_cgroup_precreate(p->c, dirfd, path, err);
}

/* With a terminal, it starts with the size of ours (foreground), or 24x80,
 * so that the command never sees a 0x0 terminal. */
static void
set_console_size(json_object *spec)
{
  json_object *proc = json_get_obj(spec, "process");
  if (!json_get_bool(proc, "terminal", false))
    return;
  struct winsize ws = { .ws_row = 24, .ws_col = 80 };
  struct winsize mine;
  if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &mine) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &mine) == 0) && mine.ws_row
      && mine.ws_col)
    ws = mine;
  json_object *size = json_object_new_object();
  json_object_object_add(size, "height", json_object_new_int(ws.ws_row));
  json_object_object_add(size, "width", json_object_new_int(ws.ws_col));
  json_object_object_add(proc, "consoleSize", size);
}

static int
prepare(const struct cli_ctx *ctx, const struct container *c, struct prepared *p, ctool_error_t *err)
{
  memset(p, 0, sizeof *p);
  p->net_fds[0] = p->net_fds[1] = p->userns_fd = -1;
  if (container_spec(c, &p->spec, err) < 0)
    return ctool_error_prefix(err, "container %s", c->name);
  bool keep_id = json_get_bool(c->meta, META_KEEP_ID, false);
  if (idmap_for_user(&p->map, keep_id, err) < 0)
    return -1;
  struct overlay_choice choice;
  const char *overlay_wanted = ctx->config ? config_str(ctx->config, CONFIG_OVERLAY_MODE) : NULL;
  const char *overlay_origin = ctx->config ? config_origin(ctx->config, CONFIG_OVERLAY_MODE) : NULL;
  if (overlay_mode_resolve(ctx->runroot, ctx->root, overlay_wanted, overlay_origin, &choice, err) < 0)
    return -1;
  json_object *layers = json_get_array(c->meta, META_LAYERS);
  p->lower = xzalloc(sizeof *p->lower);
  for (size_t i = 0; layers && i < json_object_array_length(layers); i++)
    {
      const char *l = json_object_get_string(json_object_array_get_idx(layers, i));
      if (access(l, F_OK) < 0)
        return ctool_error_set(err, errno, "layer %s of the image of container %s is missing (was the image "
                                           "removed?)", l, c->name);
      strv_push(&p->lower, l);
    }
  if (ctr_net_check_ports(c, err) < 0)
    return -1;
  /* Last, once the start may go ahead: the usual map is the pause
   * process's (no setuid helper per start). keep-id's and a single-ID map
   * (written without helpers) get a user namespace of their own. */
  if (!keep_id && !p->map.single && (p->userns_fd = pause_userns_open(ctx->runroot, &p->map, err)) < 0)
    return -1;
  set_console_size(p->spec);
  p->upper = xasprintf("%s/upper", c->dir);
  p->work = xasprintf("%s/work", c->dir);
  p->rootfs = xasprintf("%s/merged", c->dir);
  p->seccomp_cache = xasprintf("%s/seccomp", ctx->runroot);
  const char *net = json_get_str(c->meta, META_NETWORK);
  p->c = c;
  p->cfg = (struct sandbox_config){
    .before_start = record_pid_hook,
    .before_start_data = p,
    .place = place_in_cgroup_hook,
    .place_data = p,
    .precreate = precreate_cgroup_hook,
    .spec = p->spec,
    .idmap = &p->map,
    .overlay = choice.mode,
    .lower_dirs = p->lower[0] ? p->lower : NULL,
    .upper_dir = p->upper,
    .work_dir = p->work,
    .rootfs_dir = p->rootfs,
    .volatile_upper = json_get_bool(c->meta, META_RM, false),
    .seccomp_cache_dir = p->seccomp_cache,
    .stdin_fd = -1,
    .stdout_fd = -1,
    .stderr_fd = -1,
    .host_network = net && strcmp(net, "host") == 0,
    .join_userns = p->userns_fd >= 0,
    .userns_fd = p->userns_fd,
  };
  return 0;
}

/* What --rm makes the monitor exec when the container has exited. */
static char **
cleanup_argv(const struct cli_ctx *ctx, const struct container *c)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  char **argv = NULL;
  strv_push(&argv, self);
  strv_push(&argv, "--root");
  strv_push(&argv, ctx->root);
  strv_push(&argv, "--runroot");
  strv_push(&argv, ctx->runroot);
  strv_push(&argv, "rm");
  strv_push(&argv, "--force");
  strv_push(&argv, c->id);
  return argv;
}

struct old_record {
  bool present;
  int64_t started, finished;
  int code;
};

static void
record_restore(const struct container *c, const struct old_record *old)
{
  ctool_error_t e = NULL;
  if (old->present)
    exit_record_write(c->dir, old->started, old->finished, old->code, &e);
  else
    {
      cleanup_free char *path = xasprintf("%s/" EXIT_RECORD_FILE, c->dir);
      unlink(path);
    }
  ctool_error_free(&e);
}

static int
save_running(const struct container *c, pid_t pid, pid_t monitor, int64_t started, ctool_error_t *err)
{
  struct ctr_state st = { .status = CTR_RUNNING, .pid = pid, .monitor_pid = monitor, .started_at = started,
                          .exit_code = -1 };
  if (proc_start_time(pid, &st.pid_start) < 0)
    st.pid_start = 0; /* already gone: reads as exited, which it is */
  if (proc_start_time(monitor, &st.monitor_start) < 0)
    st.monitor_start = 0;
  return state_save(c->rundir, &st, err);
}

static int
start_sandbox(void *data, int in, int out, int errfd, pid_t *pid, int *console, ctool_error_t *err)
{
  struct sandbox_config cfg = *(const struct sandbox_config *) data;
  cfg.stdin_fd = in;
  cfg.stdout_fd = out;
  cfg.stderr_fd = errfd;
  return sandbox_start(&cfg, pid, console, err);
}

static int
start_detached(const struct cli_ctx *ctx, struct container *c, struct prepared *p, const struct start_opts *o,
               int64_t started, bool *launched, ctool_error_t *err)
{
  cleanup_free char *log_path = xasprintf("%s/" LOG_FILE, c->dir);
  cleanup_strv char **cleanup = json_get_bool(c->meta, META_RM, false) ? cleanup_argv(ctx, c) : NULL;
  struct monitor_params mp = {
    .start = start_sandbox,
    .start_data = &p->cfg,
    .tty = json_get_bool(json_get_obj(p->spec, "process"), "terminal", false),
    .interactive = o->interactive,
    .log_path = log_path,
    .log_size_max = json_get_int(c->meta, META_LOG_SIZE_MAX, -1),
    .attach_dir = c->rundir,
    .wait_attach_ms = o->wait_attach ? 10000 : 0,
    .exit_dir = c->dir,
    .started = started,
    .cleanup = cleanup,
    .keep_fds = p->net_fds,
  };
  pid_t ctr = 0, mon = 0;
  if (monitor_spawn(&mp, &ctr, &mon, err) < 0)
    return -1;
  *launched = true;
  return save_running(c, ctr, mon, started, err);
}

/* The exited state, unless the container was started again meanwhile
 * (locked by the caller). */
static int
save_exited(struct container *c, int64_t started, int64_t finished, int code, ctool_error_t *err)
{
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (st.started_at == started && st.status != CTR_EXITED)
    {
      st.status = CTR_EXITED;
      st.finished_at = finished;
      st.exit_code = code;
      if (state_save(c->rundir, &st, err) < 0)
        return -1;
    }
  return 0;
}

/* --rm: the container goes at once, so its exit is recorded only when it
 * cannot go (every record rewritten is a file made on the store's disk
 * and freed again a moment later). */
static int
remove_or_record(const struct cli_ctx *ctx, struct container *c, int64_t started, int64_t finished, int code,
                 ctool_error_t *err)
{
  if (container_remove(ctx, c, err) == 0)
    return 0;
  if (access(c->dir, F_OK) == 0)
    {
      /* Still there (the rename failed): it stays, as an exited container. */
      ctool_error_t e = NULL;
      if (exit_record_write(c->dir, started, finished, code, &e) < 0
          || save_exited(c, started, finished, code, &e) < 0)
        log_warn("container %s: %s", c->name, e->msg);
      ctool_error_free(&e);
    }
  return -1;
}

static int
finish_foreground(const struct cli_ctx *ctx, struct container *c, int64_t started, int code,
                  ctool_error_t *err)
{
  int64_t finished = time_now_ns();
  /* Removed while it ran (rm -f from elsewhere): nothing to record. */
  if (access(c->dir, F_OK) < 0 && errno == ENOENT)
    return 0;
  ctr_cgroup_release(c, started);
  bool rm = json_get_bool(c->meta, META_RM, false);
  if (!rm && exit_record_write(c->dir, started, finished, code, err) < 0)
    return -1;
  if (container_lock(c, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      ctool_error_free(err);
      return 0;
    }
  if (rm)
    return remove_or_record(ctx, c, started, finished, code, err);
  return save_exited(c, started, finished, code, err);
}

/* The output of a foreground container that stays (not --rm) goes to
 * its log too, as a detached one's: through pipes that ctool relays
 * (with a pty, the pty). An --rm container's output is gone with it, so
 * its stdio stays ctool's own, the fast way. */
struct fg_output {
  struct foreground_output relay;
  int out_w, err_w;  /* the container's ends, closed once it has them */
};

static void
fg_output_close(struct fg_output *f)
{
  int *fds[] = { &f->relay.out_fd, &f->relay.err_fd, &f->relay.log_fd, &f->out_w, &f->err_w };
  for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
    if (*fds[i] >= 0)
      close(*fds[i]), *fds[i] = -1;
}

static int
fg_output_open(const struct container *c, bool tty, struct fg_output *f, ctool_error_t *err)
{
  *f = (struct fg_output){ .relay = { -1, -1, -1 }, .out_w = -1, .err_w = -1 };
  cleanup_free char *path = xasprintf("%s/" LOG_FILE, c->dir);
  f->relay.log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  f->relay.log_size_max = json_get_int(c->meta, META_LOG_SIZE_MAX, -1);
  if (f->relay.log_fd < 0)
    return ctool_error_set(err, errno, "open the container's log %s", path);
  if (tty)
    return 0;
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "create the container's output pipes");
  f->relay.out_fd = out[0], f->out_w = out[1];
  if (pipe2(errp, O_CLOEXEC) < 0)
    return ctool_error_set(err, errno, "create the container's output pipes");
  f->relay.err_fd = errp[0], f->err_w = errp[1];
  return 0;
}

static int
start_foreground(const struct cli_ctx *ctx, struct container *c, struct prepared *p, const struct start_opts *o,
                 int64_t started, int *exit_code, bool *launched, ctool_error_t *err)
{
  bool tty = json_get_bool(json_get_obj(p->spec, "process"), "terminal", false);
  cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (!o->interactive)
    p->cfg.stdin_fd = devnull;
  bool logged = !json_get_bool(c->meta, META_RM, false);
  struct fg_output out = { .relay = { -1, -1, -1 }, .out_w = -1, .err_w = -1 };
  if (logged && fg_output_open(c, tty, &out, err) < 0)
    {
      fg_output_close(&out);
      return -1;
    }
  if (out.out_w >= 0)
    p->cfg.stdout_fd = out.out_w, p->cfg.stderr_fd = out.err_w;
  /* Whatever else ctool inherited stays out of the container. */
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  pid_t pid = 0;
  int console = -1;
  sigset_t old_mask;
  foreground_block_signals(&old_mask);
  if (sandbox_start(&p->cfg, &pid, &console, err) < 0)
    {
      foreground_restore_signals(&old_mask);
      fg_output_close(&out);
      return -1;
    }
  *launched = true;
  /* Only the container keeps the write ends: its end is our EOF. */
  for (int *w = &out.out_w; w; w = w == &out.out_w ? &out.err_w : NULL)
    if (*w >= 0)
      close(*w), *w = -1;
  cleanup_close int console_fd = console;
  /* Its state (running, PID, this process as the one that waits) was
   * saved by record_pid_hook before it exec'd. */
  container_unlock(c);
  struct foreground_opts fo = {
    .console_fd = tty ? console_fd : -1,
    .stdin_to_tty = tty && o->interactive,
    .sig_proxy = o->sig_proxy,
    .output = logged ? &out.relay : NULL,
  };
  int status = 0;
  int ret = foreground_wait(pid, &fo, &old_mask, &status, err);
  out.relay.out_fd = out.relay.err_fd = -1; /* closed by foreground_wait */
  fg_output_close(&out);
  if (ret < 0)
    return -1;
  *exit_code = exit_code_from_wait_status(status);
  return finish_foreground(ctx, c, started, *exit_code, err);
}

int
container_start(const struct cli_ctx *ctx, struct container *c, const struct start_opts *o, int *exit_code,
                ctool_error_t *err)
{
  if (container_lock(c, err) < 0)
    return -1;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (status_is_live(st.status))
    return ctool_error_set(err, 0, "container %s is already running", c->name);
  struct prepared p;
  if (prepare(ctx, c, &p, err) < 0)
    {
      prepared_clear(&p);
      return -1;
    }
  struct old_record old = { 0 };
  old.present = exit_record_read(c->dir, &old.started, &old.finished, &old.code) == 0;
  cleanup_free char *state_path = xasprintf("%s/state.json", c->rundir);
  cleanup_free char *old_state = NULL;
  read_file_at(AT_FDCWD, state_path, &old_state, NULL, 1u << 20, NULL); /* none: never started */
  int64_t started = time_now_ns();
  p.started = started;
  int ret = exit_record_write(c->dir, started, 0, -1, err);
  bool launched = false;
  if (ret == 0)
    ret = o->detach ? start_detached(ctx, c, &p, o, started, &launched, err)
                    : start_foreground(ctx, c, &p, o, started, exit_code, &launched, err);
  if (ret < 0 && !launched)
    {
      /* It never ran: the container is as it was (the hook may have
       * recorded a process that was then killed). */
      ctr_cgroup_release(c, started);
      ctr_net_cleanup(c);
      record_restore(c, &old);
      if (old_state)
        write_file_atomic_at(AT_FDCWD, state_path, old_state, strlen(old_state), 0600, false, NULL);
      else
        unlink(state_path);
    }
  prepared_clear(&p);
  container_unlock(c);
  return ret;
}
