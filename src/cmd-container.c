/* ctool container: the family of container verbs, as Podman has it. Most
 * are the top-level verbs under a second name (their pages are the
 * top-level ones); prune lives only here. */
#include "commands.h"

extern const struct cli_command cmd_container_ls, cmd_container_list, cmd_container_ps, cmd_container_rm,
  cmd_container_inspect, cmd_container_logs, cmd_container_exec, cmd_container_stop, cmd_container_kill,
  cmd_container_wait, cmd_container_run, cmd_container_create, cmd_container_start, cmd_container_restart,
  cmd_container_prune, cmd_container_port, cmd_container_pause, cmd_container_unpause, cmd_container_top,
  cmd_container_stats, cmd_container_update, cmd_container_attach;

static const struct cli_command *const container_subcommands[] = {
  &cmd_container_attach,
  &cmd_container_create, &cmd_container_exec,    &cmd_container_inspect, &cmd_container_kill,
  &cmd_container_list,   &cmd_container_logs,    &cmd_container_ls,      &cmd_container_pause,
  &cmd_container_port,   &cmd_container_prune,   &cmd_container_ps,      &cmd_container_restart,
  &cmd_container_rm,     &cmd_container_run,     &cmd_container_start,   &cmd_container_stats,
  &cmd_container_stop,   &cmd_container_top,     &cmd_container_unpause, &cmd_container_update,
  &cmd_container_wait,   NULL,
};

const struct cli_command cmd_container = {
  .name = "container",
  .summary = "Manage containers",
  .usage = "COMMAND [ARG...]",
  .min_args = 0,
  .max_args = -1,
  .subcommands = container_subcommands,
};
