#include "stop.h"
#include "container-net.h"
#include "ctr-cgroup.h"
#include "jsonutil.h"
#include "signals.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int
pidfd_signal(int fd, int sig)
{
  return (int) syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

static void
sleep_ms(long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  nanosleep(&ts, NULL);
}

int
container_kill(struct container *c, int sig, ctool_error_t *err)
{
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (!status_is_live(st.status))
    return ctool_error_set(err, 0, "can only kill running containers. %s is in state %s: container state improper",
                           c->name, ctr_status_name(st.status));
  int fd = pidfd_open_same(st.pid, st.pid_start);
  if (fd < 0)
    return ctool_error_set(err, 0, "container %s is no longer running", c->name);
  int r = pidfd_signal(fd, sig);
  int e = errno;
  close(fd);
  if (r < 0)
    return ctool_error_set(err, e, "send signal %d to container %s", sig, c->name);
  return 0;
}

/* After the process is gone, give its monitor a moment to record the
 * exit, so that what follows (ps, inspect, rm) sees "exited". */
static void
wait_for_record(struct container *c)
{
  for (int i = 0; i < 300; i++)
    {
      struct ctr_state st;
      ctool_error_t e = NULL;
      if (container_state(c, &st, &e) < 0)
        {
          ctool_error_free(&e);
          return;
        }
      if (!status_is_live(st.status))
        return;
      sleep_ms(10);
    }
}

/* A paused (frozen) container could not act on its stop signal. */
static void
thaw_if_paused(const struct container *c, const struct ctr_state *st)
{
  if (st->status != CTR_PAUSED)
    return;
  cleanup_free char *path = ctr_cgroup_path(c);
  ctool_error_t e = NULL;
  if (path && cgroup_freeze(path, false, &e) < 0)
    log_debug("container %s: %s", c->name, e->msg);
  ctool_error_free(&e);
}

int
container_stop(struct container *c, int timeout, ctool_error_t *err)
{
  bool locked_here = c->lock_fd < 0;
  if (container_lock(c, err) < 0)
    return -1;
  struct ctr_state st;
  int ret = -1;
  int sig, fd;
  if (container_state(c, &st, err) < 0)
    goto out;
  if (!status_is_live(st.status))
    {
      ret = 0;
      goto out;
    }
  if (timeout < 0)
    timeout = (int) json_get_int(c->meta, META_STOP_TIMEOUT, 10);
  sig = (int) json_get_int(c->meta, META_STOP_SIGNAL, SIGTERM);
  fd = pidfd_open_same(st.pid, st.pid_start);
  if (fd >= 0)
    {
      thaw_if_paused(c, &st);
      st.status = CTR_STOPPING;
      if (state_save(c->rundir, &st, err) < 0)
        {
          close(fd);
          goto out;
        }
      bool gone = false;
      if (timeout > 0 && pidfd_signal(fd, sig) == 0)
        gone = pidfd_wait(fd, timeout * 1000);
      if (!gone)
        {
          if (timeout > 0)
            {
              const char *name = signal_name(sig);
              log_warn("StopSignal SIG%s failed to stop container %s in %d seconds, resorting to SIGKILL",
                       name ? name : "?", c->name, timeout);
            }
          /* Every process of its cgroup at once, so that none escapes by forking. */
          ctr_cgroup_kill(c);
          pidfd_signal(fd, SIGKILL);
          gone = pidfd_wait(fd, 10000);
        }
      close(fd);
      if (!gone)
        {
          ctool_error_set(err, 0, "container %s did not exit after SIGKILL", c->name);
          goto out;
        }
    }
  wait_for_record(c);
  ctr_net_cleanup(c);
  ret = 0;
out:
  if (locked_here)
    container_unlock(c);
  return ret;
}

int
container_wait_exit(struct container *c, int *code, ctool_error_t *err)
{
  cleanup_free char *meta = xasprintf("%s/ctool.json", c->dir);
  for (;;)
    {
      if (access(meta, F_OK) < 0)
        {
          *code = -1;
          return 0; /* removed (an --rm container): done waiting */
        }
      struct ctr_state st;
      if (container_state(c, &st, err) < 0)
        return -1;
      if (st.status == CTR_EXITED)
        {
          *code = st.exit_code;
          return 0;
        }
      int fd = status_is_live(st.status) ? pidfd_open_same(st.pid, st.pid_start) : -1;
      if (fd >= 0)
        {
          pidfd_wait(fd, 250);
          close(fd);
        }
      else
        sleep_ms(status_is_live(st.status) ? 10 : 100);
    }
}
