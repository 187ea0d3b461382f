/* ctool attach: the terminal to a detached container's stdio, through its
 * monitor's attach socket. */
#include "attach.h"
#include "commands.h"
#include "container.h"
#include "jsonutil.h"
#include "start.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

/* The container ended while attached but its code did not come through
 * (its monitor was killed): the recorded one, as wait would report. */
static int
recorded_exit(struct container *c)
{
  struct ctr_state st;
  ctool_error_t e = NULL;
  if (container_state(c, &st, &e) < 0)
    {
      ctool_error_free(&e);
      return EXIT_CTOOL_ERROR;
    }
  return st.exit_code >= 0 ? st.exit_code : EXIT_CTOOL_ERROR;
}

/* Attach to C (running as ST says) until it exits (its code) or the
 * detach keys (0, *DETACHED). */
static int
attach_until_end(struct container *c, const struct ctr_state *st, bool send_stdin, bool sig_proxy,
                 const unsigned char *keys, size_t n_keys, bool *detached, ctool_error_t *err)
{
  struct attach_opts o = {
    .rundir = c->rundir,
    .tty = json_get_bool(c->meta, META_TTY, false),
    .send_stdin = send_stdin,
    .sig_proxy = sig_proxy,
    .pid = st->pid,
    .keys = keys,
    .n_keys = n_keys,
  };
  enum attach_end end;
  int code = 0;
  if (attach_run(&o, &end, &code, err) < 0)
    return ctool_error_prefix(err, "attach to %s", c->name);
  *detached = end == ATTACH_DETACHED;
  return end == ATTACH_ENDED ? code : end == ATTACH_LOST ? recorded_exit(c) : 0;
}

static int
attach_container(struct container *c, struct cli_args *args, const unsigned char *keys, size_t n_keys,
                 ctool_error_t *err)
{
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (!status_is_live(st.status))
    return ctool_error_set(err, 0, "you can only attach to running containers: %s is %s", c->name,
                           ctr_status_name(st.status));
  bool detached;
  return attach_until_end(c, &st, json_get_bool(c->meta, META_INTERACTIVE, false) && !cli_flag(args, "no-stdin"),
                          !cli_given(args, "sig-proxy") || cli_flag(args, "sig-proxy"), keys, n_keys, &detached,
                          err);
}

int
attach_started_container(struct container *c, const char *keys_spec, bool send_stdin, bool sig_proxy,
                         ctool_error_t *err)
{
  unsigned char keys[DETACH_KEYS_MAX];
  size_t n_keys;
  if (detach_keys_parse(keys_spec ? keys_spec : DETACH_KEYS_DEFAULT, keys, &n_keys, err) < 0)
    return -1;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  bool detached = false;
  int code = attach_until_end(c, &st, send_stdin, sig_proxy, keys, n_keys, &detached, err);
  /* An --rm container goes with its monitor (which runs ctool rm): as
   * the foreground run, return once it is gone. */
  if (code >= 0 && !detached && json_get_bool(c->meta, META_RM, false) && st.monitor_pid > 0)
    {
      int fd = pidfd_open_same(st.monitor_pid, st.monitor_start);
      if (fd >= 0)
        {
          pidfd_wait(fd, 30000);
          close(fd);
        }
    }
  return code;
}

static int
run_attach(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *spec = cli_given(args, "detach-keys") ? cli_str(args, "detach-keys") : DETACH_KEYS_DEFAULT;
  unsigned char keys[DETACH_KEYS_MAX];
  size_t n_keys;
  if (detach_keys_parse(spec, keys, &n_keys, err) < 0)
    return -1;
  struct container *c = NULL;
  if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
    return -1;
  int ret = attach_container(c, args, keys, n_keys, err);
  container_free(c);
  return ret;
}

static const struct cli_option attach_options[] = {
  { "detach-keys", 0, OPT_STRING, "KEYS", "Keys that detach and leave the container running (default ctrl-p,ctrl-q; \"\": none)",
    COMPLETE_NONE },
  { "no-stdin", 0, OPT_BOOL, NULL, "Do not pass stdin to the container", NULL },
  { "sig-proxy", 0, OPT_BOOL, NULL, "Forward the signals ctool gets to the container (default true)", NULL },
  { NULL },
};

#define ATTACH_COMMAND \
  .summary = "Attach to a running container's input and output", .usage = "[options] CONTAINER", \
  .handler = run_attach, .options = attach_options, .min_args = 1, .max_args = 1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_attach = { .name = "attach", ATTACH_COMMAND };
const struct cli_command cmd_container_attach = { .name = "attach", ATTACH_COMMAND, .alias_of = "attach" };
