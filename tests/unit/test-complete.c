/* Unit tests of the completion engine against a small command table of
 * their own (the real verbs are tested end to end in 90-completion.bats). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "complete.h"
#include "util.h"

static int
noop(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  return 0;
}

static const struct cli_option global_opts[] = {
  { "root", 0, OPT_STRING, "DIR", "Storage", COMPLETE_DIRS },
  { "log-level", 0, OPT_STRING, "LEVEL", "Log level", "error|warn|info|debug" },
  { "help", 'h', OPT_BOOL, NULL, "Help", NULL },
  { NULL },
};

static const struct cli_option run_opts[] = {
  { "interactive", 'i', OPT_BOOL, NULL, "Keep stdin open", NULL },
  { "tty", 't', OPT_BOOL, NULL, "Allocate a terminal", NULL },
  { "env", 'e', OPT_LIST, "VAR", "Set a variable", NULL },
  { "name", 0, OPT_STRING, "NAME", "Name it", NULL },
  { "network", 0, OPT_STRING, "MODE", "Network mode", "slirp4netns|pasta|host|none" },
  { "env-file", 0, OPT_LIST, "FILE", "Read variables", COMPLETE_FILES },
  { "stop-signal", 0, OPT_STRING, "SIGNAL", "Stop signal", COMPLETE_SIGNALS },
  { NULL },
};

static const struct cli_command run = {
  .name = "run", .summary = "Run a command", .usage = "IMAGE [COMMAND...]", .handler = noop,
  .options = run_opts, .flags = CLI_STOP_AT_POSITIONAL, .min_args = 1, .max_args = -1,
  .args_complete = COMPLETE_IMAGES,
};
static const struct cli_command rename_ = {
  .name = "rename", .summary = "Rename", .usage = "CONTAINER NAME", .handler = noop,
  .min_args = 2, .max_args = 2, .args_complete = COMPLETE_CONTAINERS "," COMPLETE_NONE,
};
static const struct cli_command stop = {
  .name = "stop", .summary = "Stop", .usage = "CONTAINER...", .handler = noop,
  .min_args = 1, .max_args = -1, .args_complete = COMPLETE_RUNNING,
};
static const struct cli_command rm = {
  .name = "rm", .summary = "Remove", .usage = "CONTAINER...", .handler = noop,
  .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS,
  .options = (const struct cli_option[]) { { "force", 'f', OPT_BOOL, NULL, "Force", NULL }, { NULL } },
};
static const struct cli_command image_ls = {
  .name = "ls", .summary = "List images", .usage = "[options]", .handler = noop, .max_args = 0,
  .options = (const struct cli_option[]) { { "quiet", 'q', OPT_BOOL, NULL, "IDs only", NULL }, { NULL } },
};
static const struct cli_command image_secret = {
  .name = "secret", .summary = "Hidden", .usage = "", .handler = noop, .flags = CLI_HIDDEN,
};
static const struct cli_command image = {
  .name = "image", .summary = "Manage images", .usage = "COMMAND",
  .subcommands = (const struct cli_command *const[]) { &image_ls, &image_secret, NULL },
};
static const struct cli_command images = {
  .name = "images", .summary = "List images", .usage = "[options]", .handler = noop, .max_args = 0,
  .alias_of = "image ls", .options = (const struct cli_option[]) { { "quiet", 'q', OPT_BOOL, NULL, "IDs only", NULL }, { NULL } },
};
static const struct cli_command help = {
  .name = "help", .summary = "Help", .usage = "[COMMAND...]", .handler = noop, .max_args = -1,
  .args_complete = "commands",
};
static const struct cli_command hidden = {
  .name = "__hidden", .summary = "Hidden", .usage = "", .handler = noop, .flags = CLI_HIDDEN,
};

static const struct cli_command *const table[] = {
  &run, &rename_, &stop, &rm, &image, &images, &help, &hidden, NULL,
};

static void
fake_images(const struct complete_sources *src, char ***out)
{
  const char *root = src->root ? src->root : "default";
  if (strcmp(root, "default") == 0)
    {
      strv_push(out, "docker.io/library/alpine:latest");
      strv_push(out, "alpine:latest");
      strv_push(out, "registry.example:5000/busybox:1");
    }
  else
    strv_push(out, root); /* shows which --root the engine passed */
}

static void
fake_containers(const struct complete_sources *src, bool running_only, char ***out)
{
  strv_push(out, "web");
  if (!running_only)
    strv_push(out, "old");
  if (src->cur[0] != '\0')
    strv_push(out, "0123456789ab");
}

/* Complete the words of LINE split at spaces; a trailing space means the
 * cursor is on a new, empty word. Returns the candidates (descriptions
 * dropped) joined by spaces. */
static char *
complete(const char *line)
{
  static char result[4096];
  cleanup_strv char **words = NULL;
  cleanup_free char *copy = xstrdup(line);
  char *save = NULL;
  for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
    strv_push(&words, w);
  if (line[0] == '\0' || line[strlen(line) - 1] == ' ')
    strv_push(&words, "");
  struct complete_sources src = { .images = fake_images, .containers = fake_containers };
  cleanup_strv char **got = complete_words(global_opts, table, words, strv_len(words), &src);
  result[0] = '\0';
  for (size_t i = 0; got[i]; i++)
    {
      size_t len = strcspn(got[i], "\t");
      snprintf(result + strlen(result), sizeof result - strlen(result), "%s%.*s", i ? " " : "", (int) len, got[i]);
    }
  return result;
}

static void
test_verbs(void **state)
{
  assert_string_equal(complete(""), "run rename stop rm image images help");
  assert_string_equal(complete("r"), "run rename rm");
  assert_string_equal(complete("ru"), "run");
  assert_string_equal(complete("__"), "");
  assert_string_equal(complete("nosuch "), "");
}

static void
test_descriptions(void **state)
{
  const char *words[] = { "ru", NULL };
  cleanup_strv char **got = complete_words(global_opts, table, (char **) words, 1, NULL);
  assert_string_equal(got[0], "run\tRun a command");
  assert_null(got[1]);
}

static void
test_global_options(void **state)
{
  assert_string_equal(complete("--"), "--root --log-level --help");
  assert_string_equal(complete("--log-level "), "error warn info debug");
  assert_string_equal(complete("--log-level=d"), "--log-level=debug");
  assert_string_equal(complete("--root "), ":dirs");
  assert_string_equal(complete("--root /x r"), "run rename rm");
  assert_string_equal(complete("--log-level debug ru"), "run");
}

static void
test_options(void **state)
{
  assert_string_equal(complete("run --na"), "--name");
  assert_string_equal(complete("run --n"), "--name --network");
  assert_string_equal(complete("run -"), "--interactive --tty --env --name --network --env-file --stop-signal --help");
  assert_string_equal(complete("run --network "), "slirp4netns pasta host none");
  assert_string_equal(complete("run --network=p"), "--network=pasta");
  assert_string_equal(complete("run --env-file "), ":files");
  assert_string_equal(complete("run --env-file="), ":files");
  assert_string_equal(complete("run --stop-signal K"), "KILL");
  assert_string_equal(complete("run --stop-signal SIGK"), "SIGKILL");
  assert_string_equal(complete("run --name "), "");
}

static void
test_bundled_short_options(void **state)
{
  /* -it is a word of its own; the image still comes next. */
  assert_string_equal(complete("run -it"), "-it");
  assert_string_equal(complete("run -it a"), "alpine:latest");
  assert_string_equal(complete("run -it "), "docker.io/library/alpine:latest alpine:latest registry.example:5000/busybox:1");
  /* -e takes a value: the word after it is not the image. */
  assert_string_equal(complete("run -e "), "");
  assert_string_equal(complete("run -e FOO=1 a"), "alpine:latest");
  assert_string_equal(complete("run -ite FOO=1 a"), "alpine:latest");
  assert_string_equal(complete("run -eFOO=1 a"), "alpine:latest");
  assert_string_equal(complete("run -ix"), "");
}

static void
test_stop_at_positional(void **state)
{
  /* After the image: the command inside the container, so files; options
   * belong to that command. */
  assert_string_equal(complete("run alpine "), ":files");
  assert_string_equal(complete("run alpine --na"), ":files");
  assert_string_equal(complete("run alpine sh -"), ":files");
}

static void
test_double_dash(void **state)
{
  assert_string_equal(complete("rm -- -"), "");
  assert_string_equal(complete("rm -"), "--force --help");
  assert_string_equal(complete("rm -- "), "web old");
}

static void
test_containers(void **state)
{
  assert_string_equal(complete("stop "), "web");
  assert_string_equal(complete("rm "), "web old");
  assert_string_equal(complete("rm web "), "web old");
  assert_string_equal(complete("rm 01"), "0123456789ab");
  assert_string_equal(complete("rename "), "web old");
  assert_string_equal(complete("rename web "), "");
  assert_string_equal(complete("rename web new "), "");
}

static void
test_root_reaches_sources(void **state)
{
  assert_string_equal(complete("--root /elsewhere run /e"), "/elsewhere");
  assert_string_equal(complete("--root=/other run /o"), "/other");
}

static void
test_families_and_aliases(void **state)
{
  assert_string_equal(complete("image "), "ls");
  assert_string_equal(complete("image ls -"), "--quiet --help");
  assert_string_equal(complete("image ls "), "");
  assert_string_equal(complete("image nosuch "), "");
  assert_string_equal(complete("images --q"), "--quiet");
}

static void
test_help_topics(void **state)
{
  assert_string_equal(complete("help "), "run rename stop rm image images help");
  assert_string_equal(complete("help image "), "ls");
  assert_string_equal(complete("help nosuch "), "");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_verbs),
    cmocka_unit_test(test_descriptions),
    cmocka_unit_test(test_global_options),
    cmocka_unit_test(test_options),
    cmocka_unit_test(test_bundled_short_options),
    cmocka_unit_test(test_stop_at_positional),
    cmocka_unit_test(test_double_dash),
    cmocka_unit_test(test_containers),
    cmocka_unit_test(test_root_reaches_sources),
    cmocka_unit_test(test_families_and_aliases),
    cmocka_unit_test(test_help_topics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
