/* Unit tests of the content store: chain IDs, blob writes, committing
 * images (with an in-process extractor), index.json names, GC and the
 * clean-up of what a killed process left in tmp/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "lookup.h"
#include "store.h"
#include "util.h"

static char *
sha256_of(const char *data, size_t len)
{
  unsigned char raw[32];
  unsigned int n = 0;
  EVP_Digest(data, len, raw, &n, EVP_sha256(), NULL);
  char *out = xmalloc(72);
  strcpy(out, "sha256:");
  for (unsigned i = 0; i < n; i++)
    sprintf(out + 7 + 2 * i, "%02x", raw[i]);
  return out;
}

static char *
put_blob(struct image_store *s, const char *data)
{
  char *d = sha256_of(data, strlen(data));
  ctool_error_t err = NULL;
  if (store_write_blob(s, d, data, strlen(data), &err) < 0)
    fail_msg("write blob: %s", err->msg);
  return d;
}

/* A fake image: N layers whose "blobs" are short texts; the extractor
 * below writes the text into the layer dir as a file named "content". */
struct fake_image {
  char *manifest_digest;
  char *config_digest;
  char *layer_digests[4];
};

static void
make_image(struct image_store *s, const char *const *layer_texts, size_t n, const char *tag, struct fake_image *out)
{
  json_object *layers = json_object_new_array();
  json_object *diff_ids = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    {
      out->layer_digests[i] = put_blob(s, layer_texts[i]);
      json_object *l = json_object_new_object();
      json_object_object_add(l, "mediaType", json_object_new_string("application/vnd.oci.image.layer.v1.tar"));
      json_object_object_add(l, "digest", json_object_new_string(out->layer_digests[i]));
      json_object_object_add(l, "size", json_object_new_int64((int64_t) strlen(layer_texts[i])));
      json_object_array_add(layers, l);
      json_object_array_add(diff_ids, json_object_new_string(out->layer_digests[i]));
    }
  json_object *config = json_object_new_object();
  json_object *rootfs = json_object_new_object();
  json_object_object_add(rootfs, "type", json_object_new_string("layers"));
  json_object_object_add(rootfs, "diff_ids", diff_ids);
  json_object_object_add(config, "rootfs", rootfs);
  json_object_object_add(config, "architecture", json_object_new_string("amd64"));
  json_object_object_add(config, "os", json_object_new_string("linux"));
  json_object_object_add(config, "created", json_object_new_string("2024-01-02T03:04:05.123Z"));
  json_object_object_add(config, "comment", json_object_new_string(tag));
  out->config_digest = put_blob(s, json_object_to_json_string(config));
  json_object *m = json_object_new_object();
  json_object_object_add(m, "schemaVersion", json_object_new_int(2));
  json_object_object_add(m, "mediaType", json_object_new_string("application/vnd.oci.image.manifest.v1+json"));
  json_object *c = json_object_new_object();
  json_object_object_add(c, "mediaType", json_object_new_string("application/vnd.oci.image.config.v1+json"));
  json_object_object_add(c, "digest", json_object_new_string(out->config_digest));
  json_object_object_add(c, "size", json_object_new_int(1));
  json_object_object_add(m, "config", c);
  json_object_object_add(m, "layers", layers);
  out->manifest_digest = put_blob(s, json_object_to_json_string(m));
  json_object_put(m);
  json_object_put(config);
}

static void
fake_image_free(struct fake_image *f)
{
  free(f->manifest_digest);
  free(f->config_digest);
  for (size_t i = 0; i < 4; i++)
    free(f->layer_digests[i]);
}

static int extract_calls;
static int extract_layers;

static int
fake_extract(void *data, struct store_extract_job *jobs, size_t n, ctool_error_t *err)
{
  extract_calls++;
  for (size_t i = 0; i < n; i++)
    {
      char *text = NULL;
      size_t len;
      int dfd = open(jobs[i].target_dir, O_RDONLY | O_DIRECTORY);
      assert_true(dfd >= 0);
      if (read_file_at(AT_FDCWD, jobs[i].blob_path, &text, &len, 0, err) < 0
          || write_file_atomic_at(dfd, "content", text, len, 0644, false, err) < 0)
        return -1;
      close(dfd);
      free(text);
      jobs[i].size = len;
      jobs[i].files = 1;
      extract_layers++;
    }
  return 0;
}

static int
failing_extract(void *data, struct store_extract_job *jobs, size_t n, ctool_error_t *err)
{
  int dfd = open(jobs[0].target_dir, O_RDONLY | O_DIRECTORY);
  close(openat(dfd, "half-written", O_CREAT | O_WRONLY, 0644));
  close(dfd);
  return ctool_error_set(err, 0, "layer is corrupt");
}

static char root[64];

static int
setup(void **state)
{
  strcpy(root, "/tmp/test-store-XXXXXX");
  assert_non_null(mkdtemp(root));
  extract_calls = extract_layers = 0;
  return 0;
}

static int
teardown(void **state)
{
  ctool_error_t err = NULL;
  rm_rf_at(AT_FDCWD, root, &err);
  ctool_error_free(&err);
  return 0;
}

static bool
blob_exists(const char *digest)
{
  char *p = xasprintf("%s/blobs/sha256/%s", root, digest + 7);
  bool r = access(p, F_OK) == 0;
  free(p);
  return r;
}

static size_t
count_entries(const char *sub)
{
  char *p = xasprintf("%s/%s", root, sub);
  DIR *d = opendir(p);
  free(p);
  assert_non_null(d);
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (de->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static void
test_chain_id(void **state)
{
  char a[72], b[72], c[72];
  const char *d0 = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  const char *d1 = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  const char *d2 = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
  store_chain_id(NULL, d0, a);
  assert_string_equal(a, d0);
  store_chain_id(a, d1, b);
  assert_string_equal(b, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
  store_chain_id(b, d2, c);
  assert_string_equal(c, "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
  assert_true(store_digest_valid(d0));
  assert_false(store_digest_valid("sha256:abc"));
  assert_false(store_digest_valid("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  assert_false(store_digest_valid("md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_layout_files(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  char *text = NULL;
  char *layout = xasprintf("%s/oci-layout", root);
  assert_int_equal(read_file_at(AT_FDCWD, layout, &text, NULL, 0, &err), 0);
  free(layout);
  assert_string_equal(text, "{\"imageLayoutVersion\":\"1.0.0\"}");
  free(text);
  json_object *idx = NULL;
  char *p = xasprintf("%s/index.json", root);
  assert_int_equal(json_read_file_at(AT_FDCWD, p, &idx, &err), 0);
  free(p);
  assert_int_equal(json_get_int(idx, "schemaVersion", 0), 2);
  assert_non_null(json_get_array(idx, "manifests"));
  json_object_put(idx);
  image_store_close(s);
}

static void
test_blob_digest_mismatch(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  struct blob_writer *w;
  assert_int_equal(store_blob_writer_open(s, &w, &err), 0);
  assert_int_equal(blob_writer_write(w, "hello", 5, &err), 0);
  assert_int_equal(blob_writer_size(w), 5);
  const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  assert_int_equal(blob_writer_commit(w, wrong, &err), -1);
  assert_non_null(strstr(err->msg, wrong));
  assert_non_null(strstr(err->msg, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
  ctool_error_free(&err);
  assert_int_equal(count_entries("blobs/sha256"), 0);
  assert_false(store_has_blob(s, wrong));
  char *d = put_blob(s, "hello");
  assert_true(store_has_blob(s, d));
  char *data = NULL;
  size_t len;
  assert_int_equal(store_read_blob(s, d, &data, &len, &err), 0);
  assert_int_equal(len, 5);
  free(data);
  free(d);
  image_store_close(s);
  /* Our work dir and its lock are gone after close. */
  assert_int_equal(count_entries("tmp"), 0);
}

static void
test_commit_and_share_layers(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  const char *a[] = { "base layer", "app layer" };
  const char *b[] = { "base layer", "other app" };
  struct fake_image fa = { 0 }, fb = { 0 };
  make_image(s, a, 2, "a", &fa);
  make_image(s, b, 2, "b", &fb);
  if (store_commit_image(s, "example.com/a:1", fa.manifest_digest, fake_extract, NULL, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(extract_layers, 2);
  if (store_commit_image(s, "example.com/b:1", fb.manifest_digest, fake_extract, NULL, &err) < 0)
    fail_msg("%s", err->msg);
  /* The base layer is shared: only the other app layer was extracted. */
  assert_int_equal(extract_layers, 3);
  assert_int_equal(count_entries("layers"), 6); /* 3 dirs + 3 records */

  struct image_info *info = NULL;
  if (store_image_info(s, fb.manifest_digest, &info, &err) < 0)
    fail_msg("%s", err->msg);
  assert_string_equal(info->id, fb.config_digest + 7);
  assert_int_equal(strv_len(info->layer_dirs), 2);
  assert_int_equal(info->size, strlen("base layer") + strlen("other app"));
  assert_int_equal(info->created, 1704164645);
  assert_string_equal(info->names[0], "example.com/b:1");
  char *content = xasprintf("%s/content", info->layer_dirs[1]);
  char *text = NULL;
  assert_int_equal(read_file_at(AT_FDCWD, content, &text, NULL, 0, &err), 0);
  assert_string_equal(text, "other app");
  free(text);
  free(content);
  image_info_free(info);

  /* Committing again changes nothing and extracts nothing. */
  assert_int_equal(store_commit_image(s, "example.com/a:1", fa.manifest_digest, fake_extract, NULL, &err), 0);
  assert_int_equal(extract_layers, 3);
  struct store_image *imgs;
  size_t n;
  assert_int_equal(store_list_images(s, &imgs, &n, &err), 0);
  assert_int_equal(n, 2);
  store_images_free(imgs, n);
  fake_image_free(&fa);
  fake_image_free(&fb);
  image_store_close(s);
}

static void
test_failed_extraction_leaves_nothing(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  const char *a[] = { "layer" };
  struct fake_image fa = { 0 };
  make_image(s, a, 1, "a", &fa);
  assert_int_equal(store_commit_image(s, "example.com/a:1", fa.manifest_digest, failing_extract, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "layer is corrupt"));
  assert_non_null(strstr(err->msg, "example.com/a:1"));
  ctool_error_free(&err);
  assert_int_equal(count_entries("layers"), 0);
  struct store_image *imgs;
  size_t n;
  assert_int_equal(store_list_images(s, &imgs, &n, &err), 0);
  assert_int_equal(n, 0);
  store_images_free(imgs, n);
  fake_image_free(&fa);
  image_store_close(s);
  assert_int_equal(count_entries("tmp"), 0);
}

static void
test_names_move_and_gc(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  const char *a[] = { "base", "one" };
  const char *b[] = { "base", "two" };
  struct fake_image fa = { 0 }, fb = { 0 };
  make_image(s, a, 2, "a", &fa);
  make_image(s, b, 2, "b", &fb);
  assert_int_equal(store_commit_image(s, "example.com/x:latest", fa.manifest_digest, fake_extract, NULL, &err), 0);
  assert_int_equal(store_tag_image(s, fa.manifest_digest, "localhost/mine:1", &err), 0);
  /* A new image takes the name; the old one keeps its other name. */
  assert_int_equal(store_commit_image(s, "example.com/x:latest", fb.manifest_digest, fake_extract, NULL, &err), 0);
  struct store_image *imgs;
  size_t n;
  assert_int_equal(store_list_images(s, &imgs, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(imgs[0].manifest_digest, fa.manifest_digest);
  assert_int_equal(strv_len(imgs[0].names), 1);
  assert_string_equal(imgs[0].names[0], "localhost/mine:1");
  assert_string_equal(imgs[1].names[0], "example.com/x:latest");
  store_images_free(imgs, n);

  /* Untag its last name: it stays, nameless. */
  assert_int_equal(store_untag(s, "localhost/mine:1", &err), 0);
  assert_int_equal(store_untag(s, "localhost/mine:1", &err), -1);
  ctool_error_free(&err);
  assert_int_equal(store_list_images(s, &imgs, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_null(imgs[0].names);
  store_images_free(imgs, n);

  /* Delete it and collect: its own layer and blobs go, shared ones stay. */
  assert_int_equal(store_delete_image(s, fa.manifest_digest, &err), 0);
  bool ran = false;
  assert_int_equal(store_gc(s, &ran, &err), 0);
  assert_true(ran);
  assert_false(blob_exists(fa.manifest_digest));
  assert_false(blob_exists(fa.layer_digests[1]));
  assert_true(blob_exists(fa.layer_digests[0]));
  assert_int_equal(count_entries("layers"), 4);
  struct image_info *info = NULL;
  assert_int_equal(store_image_info(s, fb.manifest_digest, &info, &err), 0);
  image_info_free(info);
  fake_image_free(&fa);
  fake_image_free(&fb);
  image_store_close(s);
}

static void
test_gc_deferred_while_writing(void **state)
{
  struct image_store *s, *writer;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  assert_int_equal(image_store_open(root, &writer, &err), 0);
  char *d = put_blob(writer, "downloaded, not yet committed");
  bool ran = true;
  assert_int_equal(store_gc(s, &ran, &err), 0);
  assert_false(ran);
  assert_true(blob_exists(d));
  image_store_close(writer);
  assert_int_equal(store_gc(s, &ran, &err), 0);
  assert_true(ran);
  assert_false(blob_exists(d));
  free(d);
  image_store_close(s);
}

static void
test_stale_tmp_cleaned(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  /* A dead process's work dir (lock not held) and a live one's (held). */
  char *dead = xasprintf("%s/tmp/99999-dead", root);
  char *dead_lock = xasprintf("%s.lock", dead);
  char *live = xasprintf("%s/tmp/1-live", root);
  char *live_lock = xasprintf("%s.lock", live);
  assert_int_equal(mkdir(dead, 0700), 0);
  char *partial = xasprintf("%s/partial", dead);
  close(open(partial, O_CREAT | O_WRONLY, 0600));
  free(partial);
  close(open(dead_lock, O_CREAT | O_WRONLY, 0600));
  assert_int_equal(mkdir(live, 0700), 0);
  int lfd = open(live_lock, O_CREAT | O_RDWR, 0600);
  pid_t child = fork();
  if (child == 0)
    {
      flock(lfd, LOCK_EX);
      pause();
      _exit(0);
    }
  usleep(100000);
  close(lfd);
  char *d = put_blob(s, "x"); /* first write: sweeps tmp/ */
  assert_false(access(dead, F_OK) == 0);
  assert_false(access(dead_lock, F_OK) == 0);
  assert_true(access(live, F_OK) == 0);
  assert_true(access(live_lock, F_OK) == 0);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  free(d);
  free(dead);
  free(dead_lock);
  free(live);
  free(live_lock);
  image_store_close(s);
}

static struct image_info *
lookup_ok(struct image_store *s, const char *name)
{
  struct image_info *info = NULL;
  ctool_error_t err = NULL;
  if (image_store_lookup(s, name, &info, &err) < 0)
    fail_msg("lookup %s: %s", name, err->msg);
  return info;
}

static void
assert_lookup_id(struct image_store *s, const char *name, const struct fake_image *want)
{
  struct image_info *info = lookup_ok(s, name);
  if (strcmp(info->id, want->config_digest + 7) != 0)
    fail_msg("'%s' found %.12s, not %.12s", name, info->id, want->config_digest + 7);
  image_info_free(info);
}

static void
test_lookup_rules(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  const char *a[] = { "a" }, *b[] = { "b" }, *c[] = { "c" };
  struct fake_image hub = { 0 }, local = { 0 }, other = { 0 };
  make_image(s, a, 1, "hub", &hub);
  make_image(s, b, 1, "local", &local);
  make_image(s, c, 1, "other", &other);
  assert_int_equal(store_commit_image(s, "docker.io/library/busybox:latest", hub.manifest_digest, fake_extract, NULL, &err), 0);
  assert_int_equal(store_commit_image(s, "127.0.0.1:5000/ctool-test/busybox:latest", local.manifest_digest, fake_extract, NULL, &err), 0);
  assert_int_equal(store_commit_image(s, "quay.example/team/app:1", other.manifest_digest, fake_extract, NULL, &err), 0);

  /* The normalized name first, then the end of repository paths. */
  assert_lookup_id(s, "busybox", &hub);
  assert_lookup_id(s, "busybox:latest", &hub);
  assert_lookup_id(s, "docker.io/library/busybox", &hub);
  assert_lookup_id(s, "ctool-test/busybox", &local);
  assert_lookup_id(s, "127.0.0.1:5000/ctool-test/busybox", &local);
  assert_lookup_id(s, "app:1", &other);
  assert_lookup_id(s, "team/app:1", &other);
  /* IDs, prefixes, sha256:, name@digest. */
  assert_lookup_id(s, other.config_digest + 7, &other);
  char prefix[13];
  snprintf(prefix, sizeof prefix, "%.12s", local.config_digest + 7);
  assert_lookup_id(s, prefix, &local);
  assert_lookup_id(s, local.config_digest, &local);
  char *by_digest = xasprintf("quay.example/team/app@%s", other.manifest_digest);
  assert_lookup_id(s, by_digest, &other);
  free(by_digest);

  /* Not found: ENOENT, the input quoted. Partial components never match. */
  struct image_info *info = NULL;
  const char *missing[] = { "sybox", "app", "app:2", "eam/app:1", "0000000000" };
  for (size_t i = 0; i < ARRAY_SIZE(missing); i++)
    {
      assert_int_equal(image_store_lookup(s, missing[i], &info, &err), -1);
      assert_int_equal(err->errnum, ENOENT);
      assert_non_null(strstr(err->msg, missing[i]));
      ctool_error_free(&err);
    }

  /* Two images that end the same way: ambiguous, both named. */
  assert_int_equal(store_tag_image(s, hub.manifest_digest, "other.example/x/app:1", &err), 0);
  assert_int_equal(image_store_lookup(s, "app:1", &info, &err), -1);
  assert_non_null(strstr(err->msg, "ambiguous"));
  assert_non_null(strstr(err->msg, "quay.example/team/app:1"));
  assert_non_null(strstr(err->msg, "other.example/x/app:1"));
  ctool_error_free(&err);

  /* Which name matched (rmi untags that one). */
  char *matched = NULL;
  assert_int_equal(image_store_lookup_name(s, "team/app:1", &info, &matched, &err), 0);
  assert_string_equal(matched, "quay.example/team/app:1");
  free(matched);
  image_info_free(info);
  assert_int_equal(image_store_lookup_name(s, prefix, &info, &matched, &err), 0);
  assert_null(matched);
  image_info_free(info);

  /* New names as Podman's tag makes them. */
  char *name = NULL;
  assert_int_equal(store_resolve_name(s, "mybox", &name, &err), 0);
  assert_string_equal(name, "localhost/mybox:latest");
  free(name);
  assert_int_equal(store_resolve_name(s, "reg.example:5000/a/b", &name, &err), 0);
  assert_string_equal(name, "reg.example:5000/a/b:latest");
  free(name);
  assert_int_equal(store_resolve_name(s, "Bad:Name:", &name, &err), -1);
  ctool_error_free(&err);

  fake_image_free(&hub);
  fake_image_free(&local);
  fake_image_free(&other);
  image_store_close(s);
}

static void
test_same_config_twice_is_one_image(void **state)
{
  struct image_store *s;
  ctool_error_t err = NULL;
  assert_int_equal(image_store_open(root, &s, &err), 0);
  const char *a[] = { "a" };
  struct fake_image one = { 0 }, two = { 0 };
  make_image(s, a, 1, "same", &one);
  make_image(s, a, 1, "same", &two);
  /* A second manifest for the same config (another layer media type). */
  char *text = NULL;
  size_t len;
  assert_int_equal(store_read_blob(s, one.manifest_digest, &text, &len, &err), 0);
  char *other = xasprintf("%s ", text);
  free(two.manifest_digest);
  two.manifest_digest = put_blob(s, other);
  free(other);
  free(text);
  assert_int_equal(store_commit_image(s, "example.com/x:1", one.manifest_digest, fake_extract, NULL, &err), 0);
  assert_int_equal(store_commit_image(s, "example.com/x:1", two.manifest_digest, fake_extract, NULL, &err), 0);
  struct store_image *imgs;
  size_t n;
  assert_int_equal(store_list_images(s, &imgs, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(imgs[0].manifest_digest, two.manifest_digest);
  store_images_free(imgs, n);
  fake_image_free(&one);
  fake_image_free(&two);
  image_store_close(s);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_chain_id),
    cmocka_unit_test_setup_teardown(test_layout_files, setup, teardown),
    cmocka_unit_test_setup_teardown(test_blob_digest_mismatch, setup, teardown),
    cmocka_unit_test_setup_teardown(test_commit_and_share_layers, setup, teardown),
    cmocka_unit_test_setup_teardown(test_failed_extraction_leaves_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(test_names_move_and_gc, setup, teardown),
    cmocka_unit_test_setup_teardown(test_gc_deferred_while_writing, setup, teardown),
    cmocka_unit_test_setup_teardown(test_stale_tmp_cleaned, setup, teardown),
    cmocka_unit_test_setup_teardown(test_lookup_rules, setup, teardown),
    cmocka_unit_test_setup_teardown(test_same_config_twice_is_one_image, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
