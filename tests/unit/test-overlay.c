/* Tests of the overlay modes: the option string, and real mounts of two
 * layers (a replaced file, a whiteout, an opaque directory) in a user
 * namespace with each mode: native, fuse-overlayfs, copy. Run as root by
 * `make check` and as the unprivileged test user; a mode the host cannot
 * do is skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsutil.h"
#include "overlay.h"
#include "userns.h"
#include "util.h"

static void
test_options_topmost_first_and_escaped(void **state)
{
  char *lower[] = { "/s/bottom", "/s/mid,dle", "/s/to:p", NULL };
  cleanup_free char *o = overlay_native_options(lower, "/s/up\\per", "/s/work");
  assert_string_equal(o, "lowerdir=/s/to\\:p:/s/mid\\,dle:/s/bottom,upperdir=/s/up\\\\per,workdir=/s/work,userxattr");
}

static void
test_options_read_only(void **state)
{
  char *lower[] = { "/a", NULL };
  cleanup_free char *o = overlay_native_options(lower, NULL, NULL);
  assert_string_equal(o, "lowerdir=/a,userxattr");
}

static void
test_mode_names(void **state)
{
  enum overlay_mode m;
  assert_int_equal(overlay_mode_parse("fuse", &m), 0);
  assert_int_equal(m, OVERLAY_FUSE);
  assert_string_equal(overlay_mode_name(OVERLAY_COPY), "copy");
  assert_int_equal(overlay_mode_parse("overlay", &m), -1);
}

static void
test_forced_mode(void **state)
{
  struct overlay_choice c;
  ctool_error_t err = NULL;
  setenv("CTOOL_OVERLAY_MODE", "copy", 1);
  assert_int_equal(overlay_mode_choose("/nonexistent", "/nonexistent", &c, &err), 0);
  assert_int_equal(c.mode, OVERLAY_COPY);
  assert_string_equal(c.source, "CTOOL_OVERLAY_MODE");
  setenv("CTOOL_OVERLAY_MODE", "bogus", 1);
  assert_int_equal(overlay_mode_choose("/nonexistent", "/nonexistent", &c, &err), -1);
  assert_string_equal(err->msg, "CTOOL_OVERLAY_MODE='bogus' is not one of native, fuse, copy");
  ctool_error_free(&err);
  unsetenv("CTOOL_OVERLAY_MODE");
}

/* ctool.conf's storage.overlay_mode: copy always works; fuse cannot take
 * a store whose path holds ':'; CTOOL_OVERLAY_MODE still wins. */
static void
test_config_mode(void **state)
{
  struct overlay_choice c;
  ctool_error_t err = NULL;
  unsetenv("CTOOL_OVERLAY_MODE");
  assert_int_equal(overlay_mode_resolve("/nonexistent", "/nonexistent", "copy", "/etc/ctool/ctool.conf:4", &c, &err), 0);
  assert_int_equal(c.mode, OVERLAY_COPY);
  assert_string_equal(c.source, "storage.overlay_mode in /etc/ctool/ctool.conf:4");
  assert_int_equal(overlay_mode_resolve("/nonexistent", "/data/a:b", "fuse", "u.conf:2", &c, &err), -1);
  assert_true(str_has_prefix(err->msg, "storage.overlay_mode = \"fuse\" (u.conf:2) cannot be used: "));
  assert_non_null(strstr(err->msg, "set overlay_mode = \"auto\" there"));
  ctool_error_free(&err);
  setenv("CTOOL_OVERLAY_MODE", "copy", 1);
  assert_int_equal(overlay_mode_resolve("/nonexistent", "/data/a:b", "fuse", "u.conf:2", &c, &err), 0);
  assert_int_equal(c.mode, OVERLAY_COPY);
  assert_string_equal(c.source, "CTOOL_OVERLAY_MODE");
  /* auto: what overlay_mode_choose says. */
  assert_int_equal(overlay_mode_resolve("/nonexistent", "/nonexistent", "auto", "default", &c, &err), 0);
  assert_string_equal(c.source, "CTOOL_OVERLAY_MODE");
  unsetenv("CTOOL_OVERLAY_MODE");
}

/* ---- real mounts ---- */

struct fixture {
  char *base;
  char *layer0, *layer1, *upper, *work, *merged;
  char **lowers;             /* bottom first */
  enum overlay_mode mode;
  size_t extra_layers;       /* empty layers with long names below layer0 */
  char fstype[64];           /* what mountinfo says is mounted on merged (in the child) */
};

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

static int
put(const char *dir, const char *name, const char *content)
{
  cleanup_free char *p = xasprintf("%s/%s", dir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -1;
  ssize_t w = write(fd, content, strlen(content));
  close(fd);
  return w == (ssize_t) strlen(content) ? 0 : -1;
}

static char *
get(const char *dir, const char *name)
{
  cleanup_free char *p = xasprintf("%s/%s", dir, name);
  char *text = NULL;
  ctool_error_t err = NULL;
  if (read_file_at(AT_FDCWD, p, &text, NULL, 0, &err) < 0)
    {
      ctool_error_free(&err);
      return NULL;
    }
  return text;
}

static bool
exists(const char *dir, const char *name)
{
  cleanup_free char *p = xasprintf("%s/%s", dir, name);
  struct stat st;
  return lstat(p, &st) == 0;
}

/* The filesystem type mounted on PATH, from mountinfo. */
static void
fstype_at(const char *path, char *out, size_t len)
{
  cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;
  out[0] = '\0';
  while (f && getline(&line, &cap, f) > 0)
    {
      char mnt[4096], type[64];
      /* id parent maj:min root mountpoint opts [optional...] - type src superopts */
      if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
        continue;
      char *dash = strstr(line, " - ");
      if (dash == NULL || sscanf(dash + 3, "%63s", type) != 1)
        continue;
      if (strcmp(mnt, path) == 0)
        snprintf(out, len, "%s", type); /* the last mount on top wins */
    }
}

/* Inside the user namespace: build the layers (whiteouts need mknod of
 * 0:0, fine here), mount, look, write, unmount. */
static int
mount_and_check(void *arg, ctool_error_t *err)
{
  struct fixture *fx = arg;
  cleanup_free char *gone = xasprintf("%s/gone", fx->layer1);
  cleanup_free char *opq0 = xasprintf("%s/opq", fx->layer0);
  cleanup_free char *opq1 = xasprintf("%s/opq", fx->layer1);
  if (put(fx->layer0, "a", "zero") < 0 || put(fx->layer0, "keep", "kept") < 0 || put(fx->layer0, "gone", "x") < 0
      || mkdir(opq0, 0755) < 0 || put(opq0, "old", "old") < 0 || put(fx->layer1, "a", "one") < 0
      || mknod(gone, S_IFCHR | 0000, makedev(0, 0)) < 0 || mkdir(opq1, 0755) < 0 || put(opq1, "new", "new") < 0
      || setxattr(opq1, "user.overlay.opaque", "y", 1, 0) < 0)
    return ctool_error_set(err, errno, "build the layers");

  if (overlay_mount(fx->mode, fx->lowers, fx->upper, fx->work, fx->merged, err) < 0)
    return -1;
  fstype_at(fx->merged, fx->fstype, sizeof fx->fstype);
  static const char *const expected[] = {
    [OVERLAY_NATIVE] = "overlay", [OVERLAY_FUSE] = "fuse.fuse-overlayfs", [OVERLAY_COPY] = NULL,
  };

  int ret = 0;
  if (fx->fstype[0] == '\0')
    ret = ctool_error_set(err, 0, "nothing is mounted on %s", fx->merged);
  else if (expected[fx->mode] && strcmp(fx->fstype, expected[fx->mode]) != 0)
    ret = ctool_error_set(err, 0, "%s is mounted, not %s", fx->fstype, expected[fx->mode]);
  if (ret < 0)
    {
      umount2(fx->merged, MNT_DETACH);
      return ret;
    }
  cleanup_free char *a = get(fx->merged, "a");
  cleanup_free char *keep = get(fx->merged, "keep");
  if (a == NULL || strcmp(a, "one") != 0)
    ret = ctool_error_set(err, 0, "a is '%s', not the top layer's", a ? a : "(missing)");
  else if (keep == NULL || strcmp(keep, "kept") != 0)
    ret = ctool_error_set(err, 0, "keep from the bottom layer is missing");
  else if (exists(fx->merged, "gone"))
    ret = ctool_error_set(err, 0, "the whiteout did not hide 'gone'");
  else if (exists(fx->merged, "opq/old"))
    ret = ctool_error_set(err, 0, "the opaque directory shows the lower layer's file");
  else if (!exists(fx->merged, "opq/new"))
    ret = ctool_error_set(err, 0, "opq/new is missing");
  else if (put(fx->merged, "written", "w") < 0)
    ret = ctool_error_set(err, errno, "write into the mount");
  else if (!exists(fx->upper, "written"))
    ret = ctool_error_set(err, 0, "the write did not land in the upper directory");
  else if (exists(fx->layer0, "written") || exists(fx->layer1, "written"))
    ret = ctool_error_set(err, 0, "the write changed a layer");

  if (umount2(fx->merged, 0) < 0 && ret == 0)
    ret = ctool_error_set(err, errno, "umount");
  ctool_error_t ignored = NULL;
  rm_rf_at(AT_FDCWD, fx->base, &ignored); /* overlay's work dirs are root-only */
  ctool_error_free(&ignored);
  return ret;
}

static void
fixture_run(enum overlay_mode mode, size_t extra_layers)
{
  struct fixture fx = { .mode = mode, .extra_layers = extra_layers };
  fx.base = xstrdup("/tmp/ctool-test-overlay-XXXXXX");
  assert_non_null(mkdtemp(fx.base));
  fx.layer0 = xasprintf("%s/layer0", fx.base);
  fx.layer1 = xasprintf("%s/layer1", fx.base);
  fx.upper = xasprintf("%s/upper", fx.base);
  fx.work = xasprintf("%s/work", fx.base);
  fx.merged = xasprintf("%s/merged", fx.base);
  assert_int_equal(mkdir(fx.layer0, 0755), 0);
  assert_int_equal(mkdir(fx.layer1, 0755), 0);
  assert_int_equal(mkdir(fx.upper, 0755), 0);
  assert_int_equal(mkdir(fx.work, 0755), 0);
  assert_int_equal(mkdir(fx.merged, 0755), 0);
  for (size_t i = 0; i < extra_layers; i++)
    {
      char *dir = xasprintf("%s/layer-%044zu", fx.base, i);
      assert_int_equal(mkdir(dir, 0755), 0);
      strv_push(&fx.lowers, dir);
      free(dir);
    }
  strv_push(&fx.lowers, fx.layer0);
  strv_push(&fx.lowers, fx.layer1);

  struct subid_ranges none = { 0 };
  struct idmap map;
  idmap_build(&none, &none, getuid(), getgid(), false, &map);
  ctool_error_t err = NULL;
  int r = userns_run(&map, mount_and_check, &fx, &err);
  ctool_error_t ignored = NULL;
  rm_rf_at(AT_FDCWD, fx.base, &ignored);
  ctool_error_free(&ignored);
  if (r != 0)
    fail_msg("%s mode: %s", overlay_mode_name(mode), err ? err->msg : "child failed");
  free(fx.base);
  free(fx.layer0);
  free(fx.layer1);
  free(fx.upper);
  free(fx.work);
  free(fx.merged);
  strv_free(fx.lowers);
}

static void
test_native(void **state)
{
  if (!userns_available())
    skip();
  fixture_run(OVERLAY_NATIVE, 0);
}

static void
test_native_many_layers_fsconfig(void **state)
{
  if (!userns_available())
    skip();
  /* 60 layers of ~80-byte paths: over a 4 KiB page of options, under it
     relative to their directory. */
  fixture_run(OVERLAY_NATIVE, 60);
}

static void
test_native_many_layers_relative(void **state)
{
  if (!userns_available())
    skip();
  overlay_no_fsconfig = true;
  fixture_run(OVERLAY_NATIVE, 60);
  overlay_no_fsconfig = false;
}

static void
test_fuse(void **state)
{
  if (!userns_available() || access("/usr/bin/fuse-overlayfs", X_OK) < 0 || access("/dev/fuse", R_OK | W_OK) < 0)
    skip();
  fixture_run(OVERLAY_FUSE, 0);
}

static void
test_copy(void **state)
{
  if (!userns_available())
    skip();
  fixture_run(OVERLAY_COPY, 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_options_topmost_first_and_escaped),
    cmocka_unit_test(test_options_read_only),
    cmocka_unit_test(test_mode_names),
    cmocka_unit_test(test_forced_mode),
    cmocka_unit_test(test_config_mode),
    cmocka_unit_test(test_native),
    cmocka_unit_test(test_native_many_layers_fsconfig),
    cmocka_unit_test(test_native_many_layers_relative),
    cmocka_unit_test(test_fuse),
    cmocka_unit_test(test_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
