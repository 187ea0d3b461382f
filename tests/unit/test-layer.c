/* Unit tests of layer extraction: ordinary entries and their metadata,
 * whiteouts, compression, the diff ID, limits, and hostile tars (built
 * here with libarchive's writer) that must not touch anything outside the
 * layer directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsutil.h"
#include "layer.h"
#include "util.h"

/* ---------- building tars ---------- */

struct tarbuf {
  struct archive *a;
  char *data;
  size_t cap;
  size_t used;
};

static void
tar_begin(struct tarbuf *t)
{
  t->cap = 64u << 20;
  t->data = xmalloc(t->cap);
  t->used = 0;
  t->a = archive_write_new();
  archive_write_set_format_pax_restricted(t->a);
  archive_write_set_bytes_in_last_block(t->a, 1);
  assert_int_equal(archive_write_open_memory(t->a, t->data, t->cap, &t->used), ARCHIVE_OK);
}

static void
tar_add(struct tarbuf *t, const char *name, mode_t type, mode_t perm, const char *data, size_t len,
        const char *link, bool hard)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, perm);
  archive_entry_set_uid(e, getuid());
  archive_entry_set_gid(e, getgid());
  archive_entry_set_mtime(e, 1000000000, 5);
  if (link && hard)
    archive_entry_set_hardlink(e, link);
  else if (link)
    archive_entry_set_symlink(e, link);
  archive_entry_set_size(e, type == AE_IFREG && !hard ? (la_int64_t) len : 0);
  assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
  if (data && len)
    assert_int_equal(archive_write_data(t->a, data, len), (la_ssize_t) len);
  archive_entry_free(e);
}

#define ADD_FILE(t, n, d) tar_add(t, n, AE_IFREG, 0644, d, strlen(d), NULL, false)
#define ADD_DIR(t, n) tar_add(t, n, AE_IFDIR, 0755, NULL, 0, NULL, false)
#define ADD_SYMLINK(t, n, to) tar_add(t, n, AE_IFLNK, 0777, NULL, 0, to, false)
#define ADD_HARDLINK(t, n, to) tar_add(t, n, AE_IFREG, 0644, NULL, 0, to, true)

static void
tar_end(struct tarbuf *t)
{
  assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
  archive_write_free(t->a);
  t->a = NULL;
}

/* Compress a whole buffer with FILTER (an archive_write_add_filter_*). */
static char *
compress_buf(const char *data, size_t len, int (*filter)(struct archive *), size_t *out_len)
{
  size_t cap = len + (1u << 20);
  char *out = xmalloc(cap);
  struct archive *a = archive_write_new();
  archive_write_set_format_raw(a);
  filter(a);
  archive_write_set_bytes_in_last_block(a, 1);
  assert_int_equal(archive_write_open_memory(a, out, cap, out_len), ARCHIVE_OK);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_pathname(e, "data");
  assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
  assert_int_equal(archive_write_data(a, data, len), (la_ssize_t) len);
  archive_entry_free(e);
  assert_int_equal(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

static char dir[64];     /* per test: DIR/layer is the target, DIR/outside a bystander */
static char *layer_dir;
static char *outside_dir;
static char *blob_path;

static int
setup(void **state)
{
  umask(0);
  strcpy(dir, "/tmp/test-layer-XXXXXX");
  assert_non_null(mkdtemp(dir));
  layer_dir = xasprintf("%s/layer", dir);
  outside_dir = xasprintf("%s/outside", dir);
  blob_path = xasprintf("%s/blob", dir);
  assert_int_equal(mkdir(layer_dir, 0755), 0);
  assert_int_equal(mkdir(outside_dir, 0755), 0);
  return 0;
}

static int
teardown(void **state)
{
  ctool_error_t err = NULL;
  rm_rf_at(AT_FDCWD, dir, &err);
  ctool_error_free(&err);
  free(layer_dir);
  free(outside_dir);
  free(blob_path);
  return 0;
}

static void
write_blob(const char *data, size_t len)
{
  ctool_error_t err = NULL;
  assert_int_equal(write_file_atomic_at(AT_FDCWD, blob_path, data, len, 0644, false, &err), 0);
}

static int
extract(const char *expected, const struct layer_limits *limits, struct layer_stats *st, ctool_error_t *err)
{
  return layer_extract(blob_path, layer_dir, expected, limits, LAYER_IGNORE_OWNERS, st, err);
}

static void
extract_ok(struct layer_stats *st)
{
  ctool_error_t err = NULL;
  if (extract(NULL, NULL, st, &err) < 0)
    fail_msg("extract: %s", err->msg);
}

static char *
extract_fails(void)
{
  ctool_error_t err = NULL;
  struct layer_stats st;
  assert_int_equal(extract(NULL, NULL, &st, &err), -1);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static char *
in_layer(const char *rel)
{
  return xasprintf("%s/%s", layer_dir, rel);
}

static bool
layer_has(const char *rel)
{
  char *p = in_layer(rel);
  struct stat st;
  bool r = lstat(p, &st) == 0;
  free(p);
  return r;
}

static size_t
outside_entries(void)
{
  DIR *d = opendir(outside_dir);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static char *
sha256_hex(const char *data, size_t len)
{
  unsigned char raw[32];
  unsigned int n;
  EVP_Digest(data, len, raw, &n, EVP_sha256(), NULL);
  char *out = xmalloc(72);
  strcpy(out, "sha256:");
  for (unsigned i = 0; i < n; i++)
    sprintf(out + 7 + 2 * i, "%02x", raw[i]);
  return out;
}

/* ---------- tests ---------- */

static void
test_clean_path(void **state)
{
  struct { const char *in, *out; } cases[] = {
    { "a/b", "a/b" }, { "./a/b/", "a/b" }, { "/etc/passwd", "etc/passwd" }, { "a//b/./c", "a/b/c" },
    { ".", "" }, { "./", "" }, { "/", "" }, { "..a/b..", "..a/b.." }, { ".wh.x", ".wh.x" },
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    {
      char *p = layer_clean_path(cases[i].in);
      assert_non_null(p);
      assert_string_equal(p, cases[i].out);
      free(p);
    }
  const char *bad[] = { "..", "../x", "a/../b", "a/..", "/../../etc" };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    assert_null(layer_clean_path(bad[i]));
}

static void
test_ordinary_entries(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_DIR(&t, "./");
  ADD_DIR(&t, "./usr/");
  ADD_DIR(&t, "./usr/bin/");
  tar_add(&t, "./usr/bin/tool", AE_IFREG, 04755, "#!/bin/sh\n", 10, NULL, false);
  ADD_SYMLINK(&t, "./bin", "usr/bin");
  ADD_HARDLINK(&t, "./usr/bin/tool2", "./usr/bin/tool");
  tar_add(&t, "./fifo", AE_IFIFO, 0600, NULL, 0, NULL, false);
  tar_add(&t, "./dev-null", AE_IFCHR, 0666, NULL, 0, NULL, false);
  tar_add(&t, "./ro-dir", AE_IFDIR, 0555, NULL, 0, NULL, false);
  ADD_FILE(&t, "./ro-dir/inside", "x");
  ADD_FILE(&t, "implicit/parent/file", "made with its parents");
  tar_end(&t);
  write_blob(t.data, t.used);
  char *expected = sha256_hex(t.data, t.used);

  struct layer_stats st;
  ctool_error_t err = NULL;
  if (extract(expected, NULL, &st, &err) < 0)
    fail_msg("%s", err->msg);
  assert_string_equal(st.diff_id, expected);
  assert_int_equal(st.size, 10 + 1 + strlen("made with its parents"));

  struct stat s;
  char *p = in_layer("usr/bin/tool");
  assert_int_equal(lstat(p, &s), 0);
  assert_int_equal(s.st_mode & 07777, 04755);
  assert_int_equal(s.st_mtime, 1000000000);
  assert_int_equal(s.st_nlink, 2);
  free(p);
  p = in_layer("bin");
  char target[64] = { 0 };
  assert_int_equal(readlink(p, target, sizeof target), 7);
  assert_string_equal(target, "usr/bin");
  free(p);
  p = in_layer("fifo");
  assert_int_equal(lstat(p, &s), 0);
  assert_true(S_ISFIFO(s.st_mode));
  free(p);
  assert_false(layer_has("dev-null"));
  p = in_layer("ro-dir");
  assert_int_equal(lstat(p, &s), 0);
  assert_int_equal(s.st_mode & 07777, 0555);
  assert_int_equal(s.st_mtime, 1000000000); /* set after its child was made */
  free(p);
  p = in_layer("usr");
  assert_int_equal(lstat(p, &s), 0);
  assert_int_equal(s.st_mtime, 1000000000);
  free(p);
  assert_true(layer_has("implicit/parent/file"));
  free(expected);
  free(t.data);
}

static void
test_whiteouts(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_DIR(&t, "etc/");
  ADD_FILE(&t, "etc/.wh.removed", "");
  ADD_DIR(&t, "var/");
  ADD_FILE(&t, "var/.wh..wh..opq", "");
  ADD_FILE(&t, "var/kept", "k");
  ADD_FILE(&t, ".wh.top", "");
  tar_end(&t);
  write_blob(t.data, t.used);
  struct layer_stats st;
  extract_ok(&st);
  struct stat s;
  char *p = in_layer("etc/removed");
  assert_int_equal(lstat(p, &s), 0);
  assert_true(S_ISCHR(s.st_mode));
  assert_int_equal(major(s.st_rdev), 0);
  assert_int_equal(minor(s.st_rdev), 0);
  free(p);
  assert_false(layer_has("etc/.wh.removed"));
  assert_true(layer_has("top"));
  assert_false(layer_has(".wh.top"));
  p = in_layer("var");
  char v[8] = { 0 };
  assert_int_equal(lgetxattr(p, "user.overlay.opaque", v, sizeof v), 1);
  assert_string_equal(v, "y");
  free(p);
  assert_false(layer_has("var/.wh..wh..opq"));
  assert_true(layer_has("var/kept"));
  free(t.data);
}

static void
test_compressions_and_diff_id(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_FILE(&t, "hello", "hello world\n");
  tar_end(&t);
  char *diff_id = sha256_hex(t.data, t.used);
  int (*filters[])(struct archive *) = { archive_write_add_filter_gzip, archive_write_add_filter_zstd };
  for (size_t i = 0; i < ARRAY_SIZE(filters); i++)
    {
      size_t len;
      char *z = compress_buf(t.data, t.used, filters[i], &len);
      write_blob(z, len);
      free(z);
      struct layer_stats st;
      ctool_error_t err = NULL;
      if (extract(diff_id, NULL, &st, &err) < 0)
        fail_msg("filter %zu: %s", i, err->msg);
      assert_string_equal(st.diff_id, diff_id);
      assert_true(layer_has("hello"));
    }
  /* A diff ID that does not match fails with both named. */
  const char *wrong = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  struct layer_stats st;
  ctool_error_t err = NULL;
  assert_int_equal(extract(wrong, NULL, &st, &err), -1);
  assert_non_null(strstr(err->msg, wrong));
  assert_non_null(strstr(err->msg, diff_id));
  ctool_error_free(&err);
  free(diff_id);
  free(t.data);
}

static void
test_gzip_members(void **state)
{
  /* One tar split into two gzip members, back to back, as gzip -d reads
   * them (pigz and some registries write such streams). */
  struct tarbuf t;
  tar_begin(&t);
  char *big = xmalloc(300000);
  for (size_t i = 0; i < 300000; i++)
    big[i] = (char) (i * 31 % 253);
  tar_add(&t, "one", AE_IFREG, 0644, big, 300000, NULL, false);
  ADD_FILE(&t, "two", "second");
  tar_end(&t);
  size_t half = t.used / 2, l1, l2;
  char *z1 = compress_buf(t.data, half, archive_write_add_filter_gzip, &l1);
  char *z2 = compress_buf(t.data + half, t.used - half, archive_write_add_filter_gzip, &l2);
  char *both = xmalloc(l1 + l2);
  memcpy(both, z1, l1);
  memcpy(both + l1, z2, l2);
  write_blob(both, l1 + l2);
  char *diff_id = sha256_hex(t.data, t.used);
  struct layer_stats st;
  ctool_error_t err = NULL;
  if (extract(diff_id, NULL, &st, &err) < 0)
    fail_msg("%s", err->msg);
  assert_true(layer_has("one"));
  assert_true(layer_has("two"));
  /* A corrupt member fails. */
  both[l1 + l2 / 2] ^= 0x55;
  write_blob(both, l1 + l2);
  assert_int_equal(extract(diff_id, NULL, &st, &err), -1);
  ctool_error_free(&err);
  free(diff_id);
  free(both);
  free(z1);
  free(z2);
  free(big);
  free(t.data);
}

static void
test_truncated_gzip(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  char *big = xmalloc(200000);
  for (size_t i = 0; i < 200000; i++)
    big[i] = (char) (i * 7919 % 251);
  tar_add(&t, "big", AE_IFREG, 0644, big, 200000, NULL, false);
  tar_end(&t);
  size_t len;
  char *z = compress_buf(t.data, t.used, archive_write_add_filter_gzip, &len);
  write_blob(z, len / 2);
  char *msg = extract_fails();
  assert_true(strlen(msg) > 0);
  free(msg);
  free(z);
  free(big);
  free(t.data);
}

static void
test_dotdot_refused(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_FILE(&t, "../outside/evil", "pwned");
  tar_end(&t);
  write_blob(t.data, t.used);
  char *msg = extract_fails();
  assert_non_null(strstr(msg, ".."));
  free(msg);
  assert_int_equal(outside_entries(), 0);
  free(t.data);
}

static void
test_absolute_paths_stay_inside(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  char *abs = xasprintf("%s/evil", outside_dir); /* an absolute path to the bystander */
  ADD_FILE(&t, abs, "pwned");
  tar_end(&t);
  write_blob(t.data, t.used);
  struct layer_stats st;
  extract_ok(&st);
  assert_int_equal(outside_entries(), 0);
  assert_true(layer_has(abs + 1));
  free(abs);
  free(t.data);
}

static void
test_symlink_escape(void **state)
{
  /* A symlink to the bystander (absolute and relative), then writes
   * through it: they must land inside the layer or fail. */
  struct tarbuf t;
  tar_begin(&t);
  ADD_SYMLINK(&t, "abs", outside_dir);
  ADD_FILE(&t, "abs/evil1", "pwned");
  ADD_SYMLINK(&t, "rel", "../outside");
  ADD_FILE(&t, "rel/evil2", "pwned");
  ADD_SYMLINK(&t, "root", "/");
  char *through_root = xasprintf("root%s/evil3", outside_dir);
  ADD_FILE(&t, through_root, "pwned");
  ADD_SYMLINK(&t, "file-link", "../outside/evil4");
  ADD_FILE(&t, "file-link", "replaces the link, not its target");
  tar_end(&t);
  write_blob(t.data, t.used);
  struct layer_stats st;
  ctool_error_t err = NULL;
  extract(NULL, NULL, &st, &err); /* may succeed (inside) or fail */
  ctool_error_free(&err);
  assert_int_equal(outside_entries(), 0);
  free(through_root);
  free(t.data);
}

static void
test_symlink_escape_fallback_walk(void **state)
{
  safe_openat_no_openat2 = true;
  test_symlink_escape(state);
  safe_openat_no_openat2 = false;
}

static void
test_hardlink_escape(void **state)
{
  struct stat before, after;
  assert_int_equal(stat("/etc/passwd", &before), 0);
  const char *targets[] = { "/etc/passwd", "../../../../etc/passwd", "root/etc/passwd" };
  for (size_t i = 0; i < ARRAY_SIZE(targets); i++)
    {
      struct tarbuf t;
      tar_begin(&t);
      ADD_SYMLINK(&t, "root", "/");
      ADD_HARDLINK(&t, "passwd", targets[i]);
      tar_end(&t);
      write_blob(t.data, t.used);
      char *msg = extract_fails();
      assert_non_null(strstr(msg, "hardlink"));
      free(msg);
      assert_false(layer_has("passwd"));
      free(t.data);
    }
  assert_int_equal(stat("/etc/passwd", &after), 0);
  assert_int_equal(before.st_nlink, after.st_nlink);
}

static void
test_file_count_limit(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  for (int i = 0; i < 200; i++)
    {
      char name[32];
      snprintf(name, sizeof name, "f%d", i);
      ADD_FILE(&t, name, "");
    }
  tar_end(&t);
  write_blob(t.data, t.used);
  struct layer_limits lim = { .max_bytes = 1u << 30, .max_files = 100 };
  struct layer_stats st;
  ctool_error_t err = NULL;
  assert_int_equal(extract(NULL, &lim, &st, &err), -1);
  assert_non_null(strstr(err->msg, "CTOOL_LAYER_MAX_FILES"));
  ctool_error_free(&err);
  assert_false(layer_has("f150"));
  free(t.data);
}

static void
test_decompression_bomb(void **state)
{
  /* 8 MiB of zeros compresses to a few kB; the limit is 1 MiB. */
  size_t n = 8u << 20;
  char *zeros = xzalloc(n);
  struct tarbuf t;
  tar_begin(&t);
  tar_add(&t, "zeros", AE_IFREG, 0644, zeros, n, NULL, false);
  tar_end(&t);
  size_t len;
  char *z = compress_buf(t.data, t.used, archive_write_add_filter_gzip, &len);
  assert_true(len < 100000);
  write_blob(z, len);
  struct layer_limits lim = { .max_bytes = 1u << 20, .max_files = 100 };
  struct layer_stats st;
  ctool_error_t err = NULL;
  assert_int_equal(extract(NULL, &lim, &st, &err), -1);
  assert_non_null(strstr(err->msg, "CTOOL_LAYER_MAX_BYTES"));
  ctool_error_free(&err);
  free(z);
  free(zeros);
  free(t.data);
}

static void
test_replacements(void **state)
{
  /* Later entries replace earlier ones, whatever their types; a
   * directory replaced by a symlink is not written through afterwards. */
  struct tarbuf t;
  tar_begin(&t);
  ADD_DIR(&t, "d/");
  ADD_FILE(&t, "d/a", "1");
  ADD_FILE(&t, "d/a", "22");
  ADD_SYMLINK(&t, "d/a", "elsewhere");
  ADD_DIR(&t, "x/");
  ADD_FILE(&t, "x/inner", "i");
  ADD_SYMLINK(&t, "x", outside_dir);
  ADD_FILE(&t, "x/evil", "pwned");
  tar_end(&t);
  write_blob(t.data, t.used);
  struct layer_stats st;
  ctool_error_t err = NULL;
  extract(NULL, NULL, &st, &err);
  ctool_error_free(&err);
  struct stat s;
  char *p = in_layer("d/a");
  assert_int_equal(lstat(p, &s), 0);
  assert_true(S_ISLNK(s.st_mode));
  free(p);
  assert_int_equal(outside_entries(), 0);
  free(t.data);
}

/* Found by fuzzing (tests/fuzz/fuzz-layer.c): entry names and link targets
 * from the tar went into messages as they were, so a hostile layer could
 * print terminal escapes and newlines. */
static void
test_names_in_errors_printable(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_FILE(&t, "\x1b[2J\x1b]0;pwned\x07/../x\ny", "z");
  tar_end(&t);
  write_blob(t.data, t.used);
  char *msg = extract_fails();
  assert_non_null(strstr(msg, "refusing layer entry '\\x1b[2J\\x1b]0;pwned\\x07/../x\\x0ay': its path contains '..'"));
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    assert_true(*p >= 0x20 && *p != 0x7f);
  free(msg);
  free(t.data);

  tar_begin(&t);
  ADD_HARDLINK(&t, "h\r", "\x1b[31mnowhere");
  tar_end(&t);
  write_blob(t.data, t.used);
  msg = extract_fails();
  assert_non_null(strstr(msg, "refusing hardlink h\\x0d -> \\x1b[31mnowhere: the target is not in this layer"));
  free(msg);
  free(t.data);
  assert_int_equal(outside_entries(), 0);
}

/* What ctool_log printed to stderr while the layer was extracted at
 * debug level. */
static char *
extract_debug_output(void)
{
  enum ctool_log_level saved_level = ctool_log_level;
  ctool_log_level = LOG_LVL_DEBUG;
  fflush(stderr);
  int saved_fd = dup(2);
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  dup2(fileno(tmp), 2);
  ctool_error_t err = NULL;
  struct layer_stats st;
  int r = extract(NULL, NULL, &st, &err);
  fflush(stderr);
  dup2(saved_fd, 2);
  close(saved_fd);
  ctool_log_level = saved_level;
  if (r < 0)
    fail_msg("extract: %s", err->msg);
  long len = ftell(tmp);
  char *out = xzalloc((size_t) len + 1);
  rewind(tmp);
  if (len > 0)
    assert_int_equal(fread(out, 1, (size_t) len, tmp), (size_t) len);
  fclose(tmp);
  return out;
}

/* The debug lines repeat entry names too: escaped, one line each. */
static void
test_names_in_debug_printable(void **state)
{
  struct tarbuf t;
  tar_begin(&t);
  ADD_FILE(&t, "/abs\x1b[2J\nname", "z");
  tar_add(&t, "dev\x1b]0;pwned\x07", AE_IFCHR, 0644, NULL, 0, NULL, false);
  tar_end(&t);
  write_blob(t.data, t.used);
  char *out = extract_debug_output();
  assert_non_null(strstr(out, "ctool: debug: layer entry '/abs\\x1b[2J\\x0aname' taken as relative to the layer\n"));
  assert_non_null(strstr(out, "ctool: debug: skipping dev\\x1b]0;pwned\\x07: device nodes and sockets cannot be "
                              "created rootless\n"));
  for (const unsigned char *p = (const unsigned char *) out; *p; p++)
    if (*p != '\n' && (*p < 0x20 || *p == 0x7f))
      fail_msg("control character 0x%02x in %s", *p, out);
  free(out);
  free(t.data);
  assert_int_equal(outside_entries(), 0);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clean_path),
    cmocka_unit_test_setup_teardown(test_ordinary_entries, setup, teardown),
    cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
    cmocka_unit_test_setup_teardown(test_compressions_and_diff_id, setup, teardown),
    cmocka_unit_test_setup_teardown(test_truncated_gzip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_gzip_members, setup, teardown),
    cmocka_unit_test_setup_teardown(test_dotdot_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(test_absolute_paths_stay_inside, setup, teardown),
    cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
    cmocka_unit_test_setup_teardown(test_symlink_escape_fallback_walk, setup, teardown),
    cmocka_unit_test_setup_teardown(test_hardlink_escape, setup, teardown),
    cmocka_unit_test_setup_teardown(test_file_count_limit, setup, teardown),
    cmocka_unit_test_setup_teardown(test_decompression_bomb, setup, teardown),
    cmocka_unit_test_setup_teardown(test_replacements, setup, teardown),
    cmocka_unit_test_setup_teardown(test_names_in_errors_printable, setup, teardown),
    cmocka_unit_test_setup_teardown(test_names_in_debug_printable, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
