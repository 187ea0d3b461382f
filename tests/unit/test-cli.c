/* Unit tests of the option parser shared by every verb. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli.h"
#include "util.h"

static const struct cli_option opts[] = {
  { "interactive", 'i', OPT_BOOL, NULL, "Keep stdin open", NULL },
  { "tty", 't', OPT_BOOL, NULL, "Allocate a terminal", NULL },
  { "rm", 0, OPT_BOOL, NULL, "Remove when done", NULL },
  { "name", 0, OPT_STRING, "NAME", "Name", NULL },
  { "env", 'e', OPT_LIST, "VAR", "Environment", NULL },
  { NULL },
};

static const struct cli_command run = {
  .name = "run", .summary = "Run", .usage = "IMAGE [COMMAND...]", .options = opts,
  .flags = CLI_STOP_AT_POSITIONAL, .min_args = 1, .max_args = -1,
};

static const struct cli_command rm = {
  .name = "rm", .summary = "Remove", .usage = "CONTAINER...", .options = opts,
  .min_args = 1, .max_args = 2,
};

static struct cli_args *
parse_ok(const struct cli_command *cmd, int argc, char **argv)
{
  struct cli_args *a = NULL;
  ctool_error_t err = NULL;
  int r = cli_parse(cmd, cmd->name, argc, argv, &a, &err);
  if (r < 0)
    fail_msg("parse failed: %s", err->msg);
  return a;
}

static char *
parse_err(const struct cli_command *cmd, int argc, char **argv)
{
  struct cli_args *a = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(cli_parse(cmd, cmd->name, argc, argv, &a, &err), -1);
  assert_null(a);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static void
test_bundled_short_flags(void **state)
{
  char *argv[] = { "-it", "-e", "A=1", "-eB=2", "img", "sh", "-c", "x", NULL };
  struct cli_args *a = parse_ok(&run, 8, argv);
  assert_true(cli_flag(a, "interactive"));
  assert_true(cli_flag(a, "tty"));
  assert_false(cli_flag(a, "rm"));
  assert_int_equal(strv_len((char **) cli_list(a, "env")), 2);
  assert_string_equal(cli_list(a, "env")[0], "A=1");
  assert_string_equal(cli_list(a, "env")[1], "B=2");
  /* Options stop at the image: "-c" belongs to the command. */
  assert_int_equal(cli_nargs(a), 4);
  assert_string_equal(cli_arg(a, 2), "-c");
  cli_args_free(a);
}

static void
test_long_forms(void **state)
{
  char *argv[] = { "--name=web", "--rm=false", "--env", "X=y", "img", NULL };
  struct cli_args *a = parse_ok(&run, 5, argv);
  assert_string_equal(cli_str(a, "name"), "web");
  assert_false(cli_flag(a, "rm"));
  assert_true(cli_given(a, "rm"));
  assert_string_equal(cli_list(a, "env")[0], "X=y");
  cli_args_free(a);
}

static void
test_interspersed_and_double_dash(void **state)
{
  char *argv[] = { "a", "--rm", "--", "-b", NULL };
  struct cli_args *a = parse_ok(&rm, 4, argv);
  assert_true(cli_flag(a, "rm"));
  assert_int_equal(cli_nargs(a), 2);
  assert_string_equal(cli_arg(a, 1), "-b");
  cli_args_free(a);
}

static void
test_errors(void **state)
{
  char *unknown[] = { "--bogus", "img", NULL };
  cleanup_free char *m1 = parse_err(&run, 2, unknown);
  assert_non_null(strstr(m1, "unknown option --bogus"));
  assert_non_null(strstr(m1, "ctool run --help"));

  char *short_unknown[] = { "-iz", "img", NULL };
  cleanup_free char *m2 = parse_err(&run, 2, short_unknown);
  assert_non_null(strstr(m2, "unknown option -z"));

  char *missing[] = { "--name", NULL };
  cleanup_free char *m3 = parse_err(&run, 1, missing);
  assert_non_null(strstr(m3, "a value is needed after"));

  char *badbool[] = { "--rm=maybe", "img", NULL };
  cleanup_free char *m4 = parse_err(&run, 2, badbool);
  assert_non_null(strstr(m4, "invalid boolean"));

  char *none[] = { NULL };
  cleanup_free char *m5 = parse_err(&run, 0, none);
  assert_non_null(strstr(m5, "too few arguments"));

  char *many[] = { "a", "b", "c", NULL };
  cleanup_free char *m6 = parse_err(&rm, 3, many);
  assert_non_null(strstr(m6, "too many arguments"));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bundled_short_flags),
    cmocka_unit_test(test_long_forms),
    cmocka_unit_test(test_interspersed_and_double_dash),
    cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
