/* Every verb's command definition; each lives in its own cmd-*.c file. */
#ifndef CTOOL_COMMANDS_H
#define CTOOL_COMMANDS_H

#include "cli.h"

extern const struct cli_command cmd_version;
extern const struct cli_command cmd_help;
extern const struct cli_command cmd_run;
extern const struct cli_command cmd_create;
extern const struct cli_command cmd_start;
extern const struct cli_command cmd_restart;
extern const struct cli_command cmd_ps;
extern const struct cli_command cmd_exec;
extern const struct cli_command cmd_logs;
extern const struct cli_command cmd_attach;
extern const struct cli_command cmd_port;
extern const struct cli_command cmd_stop;
extern const struct cli_command cmd_kill;
extern const struct cli_command cmd_pause;
extern const struct cli_command cmd_unpause;
extern const struct cli_command cmd_top;
extern const struct cli_command cmd_stats;
extern const struct cli_command cmd_update;
extern const struct cli_command cmd_wait;
extern const struct cli_command cmd_rm;
extern const struct cli_command cmd_inspect;
extern const struct cli_command cmd_container;
extern const struct cli_command cmd_image;
extern const struct cli_command cmd_images;
extern const struct cli_command cmd_rmi;
extern const struct cli_command cmd_tag;
extern const struct cli_command cmd_save;
extern const struct cli_command cmd_load;
extern const struct cli_command cmd_pull;
extern const struct cli_command cmd_login;
extern const struct cli_command cmd_logout;
extern const struct cli_command cmd_info;
extern const struct cli_command cmd_system;
extern const struct cli_command cmd_volume;
extern const struct cli_command cmd_generate;
extern const struct cli_command cmd_unshare;
extern const struct cli_command cmd_complete;
extern const struct cli_command cmd_commands;
extern const struct cli_command cmd_sandbox;
extern const struct cli_command cmd_sandbox_exec;

/* The top-level table, NULL-ended (main.c). */
extern const struct cli_command *const ctool_commands[];
/* The global options (before the verb). */
extern const struct cli_option ctool_global_options[];

#endif
