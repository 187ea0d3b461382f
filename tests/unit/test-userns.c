/* Unit tests of the subordinate ID parser, the ID map builder, the
 * parent/child channel of userns_run and the map helpers' spawn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subprocess.h"
#include "userns.h"
#include "util.h"

static char *
temp_file(const char *content)
{
  char *path = xstrdup("/tmp/ctool-test-subid-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
  close(fd);
  return path;
}

static void
read_ranges(const char *content, const char *name, uid_t uid, struct subid_ranges *out)
{
  cleanup_free char *path = temp_file(content);
  ctool_error_t err = NULL;
  assert_int_equal(subid_ranges_from_file(path, name, uid, out, &err), 0);
  assert_null(err);
  unlink(path);
}

static void
test_by_name_and_uid(void **state)
{
  struct subid_ranges r;
  read_ranges("alice:100000:65536\n"
              "bob:165536:65536\n"
              "1500:300000:1000\n",
              "alice", 1500, &r);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.r[0].start, 100000);
  assert_int_equal(r.r[0].count, 65536);
  assert_int_equal(r.r[1].start, 300000);
  assert_int_equal(r.r[1].count, 1000);
  assert_true(str_has_prefix(r.source, "/tmp/ctool-test-subid-"));
}

static void
test_uid_only_when_no_name(void **state)
{
  struct subid_ranges r;
  read_ranges("alice:100000:65536\n1500:300000:1000\n", NULL, 1500, &r);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.r[0].start, 300000);
}

static void
test_comments_blank_and_malformed(void **state)
{
  struct subid_ranges r;
  read_ranges("# a comment\n"
              "\n"
              "   # indented comment\n"
              "alice:100000\n"          /* missing count */
              "alice:abc:10\n"          /* not a number */
              "alice:10:0\n"            /* empty range */
              "alice:4294967295:2\n"    /* runs past 2^32 */
              "alice:1:2:3\n"           /* extra field */
              ":5:5\n"                  /* no owner */
              "alice:-1:5\n"            /* negative */
              "alice:200000:65536\r\n"  /* CRLF is fine */
              "alice:400000:10",        /* no final newline */
              "alice", 9999, &r);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.r[0].start, 200000);
  assert_int_equal(r.r[0].count, 65536);
  assert_int_equal(r.r[1].start, 400000);
  assert_int_equal(r.r[1].count, 10);
}

static void
test_other_users_only(void **state)
{
  struct subid_ranges r;
  read_ranges("bob:100000:65536\n15000:1:1\n", "alice", 1500, &r);
  assert_int_equal(r.n, 0);
  assert_string_equal(r.source, "");
}

static void
test_missing_file_is_no_ranges(void **state)
{
  struct subid_ranges r;
  ctool_error_t err = NULL;
  assert_int_equal(subid_ranges_from_file("/nonexistent/subuid", "alice", 1500, &r, &err), 0);
  assert_int_equal(r.n, 0);
}

static void
test_unreadable_file_is_an_error(void **state)
{
  struct subid_ranges r;
  ctool_error_t err = NULL;
  /* A directory cannot be read as a file. */
  assert_int_equal(subid_ranges_from_file("/", "alice", 1500, &r, &err), -1);
  assert_non_null(err);
  ctool_error_free(&err);
}

static void
test_overlapping_ranges_use_each_id_once(void **state)
{
  struct subid_ranges r;
  /* The same range by name and by UID: one range. */
  read_ranges("alice:100000:65536\n1500:100000:65536\n", "alice", 1500, &r);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.r[0].start, 100000);
  assert_int_equal(r.r[0].count, 65536);
  /* A partial overlap: only the new part of the second. */
  read_ranges("alice:100000:1000\nalice:100500:1000\n", "alice", 1500, &r);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.r[1].start, 101000);
  assert_int_equal(r.r[1].count, 500);
  /* A range around an earlier one: the parts below and above it. */
  read_ranges("alice:100500:100\n1500:100000:1000\n", "alice", 1500, &r);
  assert_int_equal(r.n, 3);
  assert_int_equal(r.r[0].start, 100500);
  assert_int_equal(r.r[0].count, 100);
  assert_int_equal(r.r[1].start, 100000);
  assert_int_equal(r.r[1].count, 500);
  assert_int_equal(r.r[2].start, 100600);
  assert_int_equal(r.r[2].count, 400);
  /* Inside an earlier one: nothing new. */
  read_ranges("alice:100000:1000\nalice:100010:10\n", "alice", 1500, &r);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.r[0].count, 1000);
}

/* nsswitch_subid_module of a file with CONTENT (malloc'd or NULL). */
static char *
subid_module_of(const char *content)
{
  cleanup_free char *path = temp_file(content);
  char *module = nsswitch_subid_module(path);
  unlink(path);
  return module;
}

static void
test_nsswitch_subid_line(void **state)
{
  cleanup_free char *sss = subid_module_of("passwd: files\nsubid:   sss   # SSSD\n");
  assert_string_equal(sss, "sss");
  cleanup_free char *files = subid_module_of("  subid:files\n");
  assert_string_equal(files, "files");
  cleanup_free char *empty = subid_module_of("subid:\n");
  assert_string_equal(empty, "files");
  cleanup_free char *crlf = subid_module_of("subid: sss\r\n");
  assert_string_equal(crlf, "sss");
}

static void
test_nsswitch_without_subid_line(void **state)
{
  cleanup_free char *none = subid_module_of("passwd: files systemd\ngroup: files\n");
  assert_null(none);
  cleanup_free char *commented = subid_module_of("# subid: sss\n#subid: sss\n");
  assert_null(commented);
  cleanup_free char *other = subid_module_of("subidx: sss\nnetgroup: subid\n");
  assert_null(other);
  assert_null(nsswitch_subid_module("/nonexistent/nsswitch.conf"));
}

static void
test_nsswitch_path_override(void **state)
{
  unsetenv("CTOOL_NSSWITCH_FILE");
  assert_string_equal(nsswitch_file_path(), "/etc/nsswitch.conf");
  setenv("CTOOL_NSSWITCH_FILE", "/tmp/nss", 1);
  assert_string_equal(nsswitch_file_path(), "/tmp/nss");
  unsetenv("CTOOL_NSSWITCH_FILE");
}

static struct subid_ranges
ranges1(uint32_t start, uint32_t count)
{
  struct subid_ranges r = { .n = 1 };
  r.r[0].start = start;
  r.r[0].count = count;
  snprintf(r.source, sizeof r.source, "/etc/subuid");
  return r;
}

#define assert_range(side, i, c, h, s)                                                                        \
  do                                                                                                           \
    {                                                                                                          \
      assert_int_equal((side)[i].container_id, c);                                                             \
      assert_int_equal((side)[i].host_id, h);                                                                  \
      assert_int_equal((side)[i].size, s);                                                                     \
    }                                                                                                          \
  while (0)

static void
test_idmap_root_is_user(void **state)
{
  struct subid_ranges u = ranges1(100000, 65536), g = ranges1(200000, 1000);
  g.n = 2;
  g.r[1].start = 500000;
  g.r[1].count = 10;
  struct idmap m;
  idmap_build(&u, &g, 1500, 1600, false, &m);
  assert_false(m.single);
  assert_int_equal(m.n_uid, 2);
  assert_range(m.uid, 0, 0, 1500, 1);
  assert_range(m.uid, 1, 1, 100000, 65536);
  assert_int_equal(m.n_gid, 3);
  assert_range(m.gid, 0, 0, 1600, 1);
  assert_range(m.gid, 1, 1, 200000, 1000);
  assert_range(m.gid, 2, 1001, 500000, 10);
  assert_string_equal(m.source, "/etc/subuid");
  assert_int_equal(idmap_to_container(&m, false, 1500), 0);
  assert_int_equal(idmap_to_container(&m, false, 100009), 10);
  assert_int_equal(idmap_to_container(&m, true, 500009), 1010);
  assert_int_equal(idmap_to_container(&m, false, 99999), -1);
}

static void
test_idmap_keep_id(void **state)
{
  struct subid_ranges u = ranges1(100000, 65536), g = ranges1(100000, 65536);
  struct idmap m;
  idmap_build(&u, &g, 1500, 1500, true, &m);
  assert_false(m.single);
  assert_int_equal(m.n_uid, 3);
  assert_range(m.uid, 0, 0, 100000, 1500);
  assert_range(m.uid, 1, 1500, 1500, 1);
  assert_range(m.uid, 2, 1501, 101500, 64036);
  assert_int_equal(m.n_gid, 3);
  /* Every subordinate ID is used exactly once. */
  assert_int_equal(m.uid[0].size + m.uid[2].size, 65536);
}

static void
test_idmap_keep_id_high_uid(void **state)
{
  /* The user's UID lies beyond what the ranges cover: a gap, then the user. */
  struct subid_ranges u = ranges1(100000, 1000), g = ranges1(100000, 1000);
  struct idmap m;
  idmap_build(&u, &g, 70000, 70000, true, &m);
  assert_int_equal(m.n_uid, 2);
  assert_range(m.uid, 0, 0, 100000, 1000);
  assert_range(m.uid, 1, 70000, 70000, 1);
}

static void
test_idmap_single(void **state)
{
  struct subid_ranges none = { 0 }, u = ranges1(100000, 65536);
  struct idmap m;
  /* Ranges for UIDs but none for GIDs is still a single-ID map. */
  idmap_build(&u, &none, 1500, 1500, false, &m);
  assert_true(m.single);
  assert_int_equal(m.n_uid, 1);
  assert_range(m.uid, 0, 0, 1500, 1);
  assert_int_equal(m.n_gid, 1);
  assert_range(m.gid, 0, 0, 1500, 1);
  assert_string_equal(m.source, "none");

  idmap_build(&none, &none, 1500, 1500, true, &m);
  assert_true(m.single);
  assert_int_equal(m.n_uid, 1);
  assert_range(m.uid, 0, 1500, 1500, 1);
}

static void
test_idmap_too_many_ranges(void **state)
{
  struct subid_ranges u = { .n = SUBID_MAX };
  for (size_t i = 0; i < SUBID_MAX; i++)
    {
      u.r[i].start = 100000 + 1000 * (uint32_t) i;
      u.r[i].count = 10;
    }
  struct idmap m;
  idmap_build(&u, &u, 1500, 1500, false, &m);
  assert_int_equal(m.n_uid, IDMAP_MAX);
  assert_range(m.uid, IDMAP_MAX - 1, 1 + 10 * (IDMAP_MAX - 2), 100000 + 1000 * (IDMAP_MAX - 2), 10);
}

static void
test_fix_command_avoids_taken_ranges(void **state)
{
  cleanup_free char *uids = temp_file("bob:100000:65536\ncarol:165536:1000\n");
  cleanup_free char *gids = temp_file("bob:100000:70000\n");
  setenv("CTOOL_SUBUID_FILE", uids, 1);
  setenv("CTOOL_SUBGID_FILE", gids, 1);
  cleanup_free char *cmd = subid_fix_command("alice");
  assert_string_equal(cmd, "sudo usermod --add-subuids 170000-235535 --add-subgids 170000-235535 alice");
  unsetenv("CTOOL_SUBUID_FILE");
  unsetenv("CTOOL_SUBGID_FILE");
  unlink(uids);
  unlink(gids);
}

static void
test_fix_command_default(void **state)
{
  setenv("CTOOL_SUBUID_FILE", "/nonexistent/subuid", 1);
  setenv("CTOOL_SUBGID_FILE", "/nonexistent/subgid", 1);
  cleanup_free char *cmd = subid_fix_command("alice");
  assert_string_equal(cmd, "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice");
  unsetenv("CTOOL_SUBUID_FILE");
  unsetenv("CTOOL_SUBGID_FILE");
}

/* ---- userns_run, with the single-ID map that needs no helper ---- */

static bool
userns_available(void)
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
self_map(struct idmap *m)
{
  struct subid_ranges none = { 0 };
  idmap_build(&none, &none, getuid(), getgid(), false, m);
}

static int
fn_report_ids(void *arg, ctool_error_t *err)
{
  (void) err;
  return getuid() == 0 && getgid() == 0 ? 42 : 1;
}

static int
fn_fail(void *arg, ctool_error_t *err)
{
  return ctool_error_set_exit(err, 127, ENOENT, "executable file '%s' not found", (const char *) arg);
}

static void
test_userns_run_status_and_root(void **state)
{
  if (!userns_available())
    skip();
  struct idmap m;
  self_map(&m);
  ctool_error_t err = NULL;
  assert_int_equal(userns_run(&m, fn_report_ids, NULL, &err), 42);
  assert_null(err);
}

static void
test_userns_run_error_travels(void **state)
{
  if (!userns_available())
    skip();
  struct idmap m;
  self_map(&m);
  ctool_error_t err = NULL;
  assert_int_equal(userns_run(&m, fn_fail, "nosuchcmd", &err), -1);
  assert_non_null(err);
  assert_int_equal(err->exit_code, 127);
  assert_int_equal(err->errnum, ENOENT);
  assert_string_equal(err->msg, "executable file 'nosuchcmd' not found: No such file or directory");
  ctool_error_free(&err);
}

/* spawn_start_nowait: the exit status and stderr come back as with
 * spawn_start. */
static void
test_spawn_nowait_status_and_stderr(void **state)
{
  (void) state;
  char *argv[] = { "/bin/sh", "-c", "echo oops >&2; read x; exit 3", NULL };
  struct spawn sp;
  ctool_error_t err = NULL;
  assert_int_equal(spawn_start_nowait(argv, &sp, &err), 0);
  char *errtext = NULL;
  int status = 0;
  assert_int_equal(spawn_finish(&sp, NULL, &errtext, &status, &err), 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3);
  assert_string_equal(errtext, "oops");
  free(errtext);
}

/* An exec that fails: status 127 and the reason, not a silent hang. */
static void
test_spawn_nowait_exec_failure(void **state)
{
  (void) state;
  char *argv[] = { "/nonexistent/newuidmap", "1", NULL };
  struct spawn sp;
  ctool_error_t err = NULL;
  assert_int_equal(spawn_start_nowait(argv, &sp, &err), 0);
  char *errtext = NULL;
  int status = 0;
  assert_int_equal(spawn_finish(&sp, NULL, &errtext, &status, &err), 0);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 127);
  assert_string_equal(errtext, "cannot execute /nonexistent/newuidmap: No such file or directory");
  free(errtext);
}

/* The helper starts with default signal dispositions and an empty mask,
 * whatever the caller blocked or ignored (ctool blocks signals while it
 * starts a container in the foreground). */
static void
test_spawn_nowait_resets_signals(void **state)
{
  (void) state;
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  struct sigaction ign = { .sa_handler = SIG_IGN }, old_int;
  sigaction(SIGINT, &ign, &old_int);
  char *argv[] = { "/bin/sh", "-c", "kill -INT $$; kill -TERM $$; exit 0", NULL };
  struct spawn sp;
  ctool_error_t err = NULL;
  assert_int_equal(spawn_start_nowait(argv, &sp, &err), 0);
  int status = 0;
  assert_int_equal(spawn_finish(&sp, NULL, NULL, &status, &err), 0);
  sigaction(SIGINT, &old_int, NULL);
  sigprocmask(SIG_SETMASK, &old, NULL);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGINT);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_by_name_and_uid),
    cmocka_unit_test(test_uid_only_when_no_name),
    cmocka_unit_test(test_comments_blank_and_malformed),
    cmocka_unit_test(test_other_users_only),
    cmocka_unit_test(test_missing_file_is_no_ranges),
    cmocka_unit_test(test_unreadable_file_is_an_error),
    cmocka_unit_test(test_overlapping_ranges_use_each_id_once),
    cmocka_unit_test(test_nsswitch_subid_line),
    cmocka_unit_test(test_nsswitch_without_subid_line),
    cmocka_unit_test(test_nsswitch_path_override),
    cmocka_unit_test(test_idmap_root_is_user),
    cmocka_unit_test(test_idmap_keep_id),
    cmocka_unit_test(test_idmap_keep_id_high_uid),
    cmocka_unit_test(test_idmap_single),
    cmocka_unit_test(test_idmap_too_many_ranges),
    cmocka_unit_test(test_fix_command_avoids_taken_ranges),
    cmocka_unit_test(test_fix_command_default),
    cmocka_unit_test(test_userns_run_status_and_root),
    cmocka_unit_test(test_userns_run_error_travels),
    cmocka_unit_test(test_spawn_nowait_status_and_stderr),
    cmocka_unit_test(test_spawn_nowait_exec_failure),
    cmocka_unit_test(test_spawn_nowait_resets_signals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
