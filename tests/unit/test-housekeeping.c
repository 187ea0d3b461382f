/* Unit tests of the housekeeping pieces: systemd Exec*= quoting, the
 * recorded create command replayed as `ctool run`, volume names, and
 * disk usage (hard links once, other file systems and symlinks not
 * followed, missing paths). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "create-command.h"
#include "disk-usage.h"
#include "fsutil.h"
#include "generate.h"
#include "util.h"
#include "volume.h"

/* main.c's table of global options is not in libctool: the ones the
 * recorded command lines below use. */
const struct cli_option ctool_global_options[] = {
  { "log-level", 0, OPT_STRING, "LEVEL", "", NULL },
  { "root", 0, OPT_STRING, "DIR", "", NULL },
  { "runroot", 0, OPT_STRING, "DIR", "", NULL },
  { NULL },
};

static void
check_word(const char *arg, const char *want)
{
  char *got = systemd_exec_word(arg);
  assert_string_equal(got, want);
  free(got);
}

static void
test_systemd_word(void **state)
{
  (void) state;
  check_word("plain", "plain");
  check_word("--name=web", "--name=web");
  check_word("a b", "\"a b\"");
  check_word("100%", "100%%");
  check_word("$HOME", "$$HOME");
  check_word("echo $HOME 50%", "\"echo $$HOME 50%%\"");
  check_word("", "\"\"");
  check_word("say \"hi\"", "\"say \\\"hi\\\"\"");
  check_word("back\\slash", "\"back\\\\slash\"");
  check_word("it's", "\"it's\"");
  check_word(";", "\";\"");
  check_word("two\nlines", "\"two\\nlines\"");
}

static json_object *
argv_json(const char *const *argv)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; argv[i]; i++)
    json_object_array_add(a, json_object_new_string(argv[i]));
  return a;
}

static void
assert_strv_equal(char *const *got, const char *const *want)
{
  size_t i = 0;
  for (; want[i]; i++)
    {
      assert_non_null(got[i]);
      assert_string_equal(got[i], want[i]);
    }
  assert_null(got[i]);
}

static void
test_run_args_from_run(void **state)
{
  (void) state;
  static const char *const argv[] = { "/usr/bin/ctool", "--root", "/r", "run", "-dit", "--name", "old",
                                      "-e", "A=1", "--rm", "-v", "data:/d", "img", "sh", "-c", "echo -d", NULL };
  json_object *cc = argv_json(argv);
  char **opts = NULL, **args = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(create_command_run_args(cc, "web", &opts, &args, &err), 0);
  assert_null(err);
  assert_string_equal(opts[0], "--rm");
  assert_string_equal(opts[1], "--name=web");
  assert_true(strv_contains(opts, "--interactive"));
  assert_true(strv_contains(opts, "--tty"));
  assert_true(strv_contains(opts, "--env=A=1"));
  assert_true(strv_contains(opts, "--volume=data:/d"));
  assert_false(strv_contains(opts, "--detach"));
  assert_false(strv_contains(opts, "--name=old"));
  assert_int_equal(strv_len(opts), 6); /* --rm once, not twice */
  static const char *const want_args[] = { "img", "sh", "-c", "echo -d", NULL };
  assert_strv_equal(args, want_args);
  strv_free(opts);
  strv_free(args);
  json_object_put(cc);
}

static void
test_run_args_from_container_create(void **state)
{
  (void) state;
  static const char *const argv[] = { "ctool", "container", "create", "--read-only=false", "-l", "a=b", "-l", "c=d",
                                      "img", NULL };
  json_object *cc = argv_json(argv);
  char **opts = NULL, **args = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(create_command_run_args(cc, "x", &opts, &args, &err), 0);
  assert_string_equal(opts[0], "--rm");
  assert_string_equal(opts[1], "--name=x");
  assert_true(strv_contains(opts, "--read-only=false"));
  assert_true(strv_contains(opts, "--label=a=b"));
  assert_true(strv_contains(opts, "--label=c=d"));
  assert_int_equal(strv_len(opts), 5);
  static const char *const want_args[] = { "img", NULL };
  assert_strv_equal(args, want_args);
  strv_free(opts);
  strv_free(args);
  json_object_put(cc);
}

static void
test_run_args_errors(void **state)
{
  (void) state;
  char **opts = NULL, **args = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(create_command_run_args(NULL, "x", &opts, &args, &err), -1);
  assert_non_null(strstr(err->msg, "no recorded create command"));
  ctool_error_free(&err);

  static const char *const not_run[] = { "ctool", "ps", "-a", NULL };
  json_object *cc = argv_json(not_run);
  assert_int_equal(create_command_run_args(cc, "x", &opts, &args, &err), -1);
  assert_string_equal(err->msg, "the recorded create command is neither 'ctool run' nor 'ctool create'");
  ctool_error_free(&err);
  json_object_put(cc);

  static const char *const bad_option[] = { "ctool", "run", "--no-such-option", "img", NULL };
  cc = argv_json(bad_option);
  assert_int_equal(create_command_run_args(cc, "x", &opts, &args, &err), -1);
  assert_non_null(strstr(err->msg, "the recorded create command: "));
  ctool_error_free(&err);
  json_object_put(cc);
}

static void
test_create_command_current(void **state)
{
  (void) state;
  json_object *a = create_command_current();
  bool found = false;
  for (size_t i = 0; i < json_object_array_length(a); i++)
    found |= strstr(json_object_get_string(json_object_array_get_idx(a, i)), "test-housekeeping") != NULL;
  assert_true(found); /* (under valgrind, its own words come first) */
  json_object_put(a);
}

static void
test_volume_names(void **state)
{
  (void) state;
  assert_true(volume_name_valid("data"));
  assert_true(volume_name_valid("a.b-c_d9"));
  assert_true(volume_name_valid("0"));
  assert_false(volume_name_valid(""));
  assert_false(volume_name_valid(".tmp"));
  assert_false(volume_name_valid(".lock"));
  assert_false(volume_name_valid("-x"));
  assert_false(volume_name_valid("a/b"));
  assert_false(volume_name_valid(".."));
  assert_false(volume_name_valid("a b"));
  assert_false(volume_name_valid(NULL));
  char long_name[300];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  assert_false(volume_name_valid(long_name));
}

static void
write_bytes(const char *path, size_t n)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fputc('x', f);
  fclose(f);
}

static void
test_disk_usage(void **state)
{
  (void) state;
  char dir[] = "/tmp/test-housekeeping-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char *a = xasprintf("%s/a", dir), *hard = xasprintf("%s/hard", dir), *sub = xasprintf("%s/sub", dir),
       *b = xasprintf("%s/sub/b", dir), *sym = xasprintf("%s/sym", dir);
  write_bytes(a, 100);
  assert_int_equal(link(a, hard), 0);
  assert_int_equal(mkdir(sub, 0755), 0);
  write_bytes(b, 50);
  assert_int_equal(symlink("/etc/passwd", sym), 0);
  uint64_t size = 1;
  ctool_error_t err = NULL;
  assert_int_equal(disk_usage(dir, &size, &err), 0);
  assert_int_equal(size, 150); /* the hard link once, the symlink not followed */

  char *missing = xasprintf("%s/missing", dir);
  char *paths[] = { dir, missing, sub, NULL };
  uint64_t sizes[3] = { 0, 7, 0 };
  assert_int_equal(disk_usage_many(paths, sizes, &err), 0);
  assert_int_equal(sizes[0], 150);
  assert_int_equal(sizes[1], 0);
  assert_int_equal(sizes[2], 50);

  assert_int_equal(rm_rf_at(AT_FDCWD, dir, &err), 0);
  free(a), free(hard), free(sub), free(b), free(sym), free(missing);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_systemd_word),
    cmocka_unit_test(test_run_args_from_run),
    cmocka_unit_test(test_run_args_from_container_create),
    cmocka_unit_test(test_run_args_errors),
    cmocka_unit_test(test_create_command_current),
    cmocka_unit_test(test_volume_names),
    cmocka_unit_test(test_disk_usage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
