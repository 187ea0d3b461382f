/* The verbs that run in ctool-image, the helper linked with libcurl and
 * libarchive: their names, options and help. Both executables share these
 * tables (help, completion and the man-page check read them from ctool);
 * the handlers (cmd-pull.c, cmd-login.c, cmd-image-archive.c,
 * cmd-version.c) are linked into ctool-image only (image-helper.h). */
#include "cmd-image.h"
#include "commands.h"

#include <stddef.h>

static const struct cli_option pull_options[] = {
  { "quiet", 'q', OPT_BOOL, NULL, "Print only the image ID, no progress", NULL },
  { "platform", 0, OPT_STRING, "PLATFORM", "Pull the image for PLATFORM (OS/ARCH[/VARIANT]) instead of this machine's",
    "linux/amd64|linux/arm64|linux/arm/v7|linux/arm/v6|linux/386|linux/ppc64le|linux/s390x|linux/riscv64" },
  { "tls-verify", 0, OPT_BOOL, NULL, "Require HTTPS and verify certificates (default true)", NULL },
  { "authfile", 0, OPT_STRING, "FILE", "Read registry credentials from FILE", COMPLETE_FILES },
  { "creds", 0, OPT_STRING, "CREDENTIALS", "USER[:PASSWORD] for the registry (asks for a missing password)", NULL },
  { NULL },
};

const struct cli_command cmd_pull = {
  .name = "pull",
  .summary = "Pull an image from a registry",
  .usage = "[options] IMAGE",
  .flags = CLI_IMAGE_HELPER,
  .options = pull_options,
  .min_args = 1,
  .max_args = 1,
  .args_complete = COMPLETE_IMAGES,
};

static const struct cli_option login_options[] = {
  { "username", 'u', OPT_STRING, "USER", "Username (asked for on a terminal when missing)", NULL },
  { "password", 'p', OPT_STRING, "PASSWORD", "Password (asked for on a terminal when missing)", NULL },
  { "password-stdin", 0, OPT_BOOL, NULL, "Read the password from stdin", NULL },
  { "authfile", 0, OPT_STRING, "FILE", "Store the credentials in FILE", COMPLETE_FILES },
  { "tls-verify", 0, OPT_BOOL, NULL, "Require HTTPS and verify certificates (default true)", NULL },
  { "get-login", 0, OPT_BOOL, NULL, "Print the username stored for the registry", NULL },
  { NULL },
};

static const struct cli_option logout_options[] = {
  { "authfile", 0, OPT_STRING, "FILE", "Remove the credentials from FILE", COMPLETE_FILES },
  { "all", 'a', OPT_BOOL, NULL, "Remove the credentials of every registry", NULL },
  { NULL },
};

const struct cli_command cmd_login = {
  .name = "login",
  .summary = "Log in to a container registry",
  .usage = "[options] [REGISTRY]",
  .flags = CLI_IMAGE_HELPER,
  .options = login_options,
  .min_args = 0,
  .max_args = 1,
  .args_complete = COMPLETE_NONE,
};

const struct cli_command cmd_logout = {
  .name = "logout",
  .summary = "Log out of a container registry",
  .usage = "[options] [REGISTRY]",
  .flags = CLI_IMAGE_HELPER,
  .options = logout_options,
  .min_args = 0,
  .max_args = 1,
  .args_complete = COMPLETE_NONE,
};

static const struct cli_option image_save_options[] = {
  { "format", 0, OPT_STRING, "FORMAT", "Archive format: docker-archive (default) or oci-archive", "docker-archive|oci-archive" },
  { "output", 'o', OPT_STRING, "FILE", "Write to FILE instead of standard output", COMPLETE_FILES },
  { "quiet", 'q', OPT_BOOL, NULL, "Print nothing (ctool prints nothing anyway)", NULL },
  { NULL },
};

/* "image save", and "save" with the same fields. */
#define IMAGE_SAVE_COMMAND \
  .summary = "Save images to an archive", .usage = "[options] IMAGE [IMAGE...]", .flags = CLI_IMAGE_HELPER, \
  .options = image_save_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_IMAGES

const struct cli_command cmd_image_save = { .name = "save", IMAGE_SAVE_COMMAND };

const struct cli_command cmd_save = { .name = "save", IMAGE_SAVE_COMMAND, .alias_of = "image save" };

static const struct cli_option image_load_options[] = {
  { "input", 'i', OPT_STRING, "FILE", "Read the archive from FILE instead of standard input", COMPLETE_FILES },
  { "quiet", 'q', OPT_BOOL, NULL, "Do not print the names of the loaded images", NULL },
  { NULL },
};

/* "image load", and "load" with the same fields. */
#define IMAGE_LOAD_COMMAND \
  .summary = "Load images from an OCI or Docker archive", .usage = "[options]", .flags = CLI_IMAGE_HELPER, \
  .options = image_load_options, .max_args = 0

const struct cli_command cmd_image_load = { .name = "load", IMAGE_LOAD_COMMAND };

const struct cli_command cmd_load = { .name = "load", IMAGE_LOAD_COMMAND, .alias_of = "image load" };

static const struct cli_option version_options[] = {
  { "format", 'f', OPT_STRING, "FORMAT", "Print as json or with a Go template: '{{.Version}}'", "json" },
  { NULL },
};

const struct cli_command cmd_version = {
  .name = "version",
  .summary = "Show ctool's version and the versions of its libraries",
  .usage = "[options]",
  .flags = CLI_IMAGE_HELPER,
  .options = version_options,
  .max_args = 0,
};
