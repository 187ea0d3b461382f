/* Blobs written into the store: hashed with libcrypto while they stream
 * in, checked, made durable, then renamed to their digest. Apart from
 * store.c so that the commands that only read the store (run, create, ps:
 * the ctool binary) do not link libcrypto; the image helper (pull, load)
 * does, for its fast SHA-256 over layers of many megabytes. */
#include "store.h"
#include "store-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct blob_writer {
  struct image_store *s;
  int fd;
  char *tmp_name;   /* under the work dir */
  EVP_MD_CTX *md;
  size_t size;
};

static void
hex_encode(const unsigned char *raw, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++)
    {
      out[2 * i] = hex[raw[i] >> 4];
      out[2 * i + 1] = hex[raw[i] & 0xf];
    }
  out[2 * n] = '\0';
}

int
store_blob_writer_open(struct image_store *s, struct blob_writer **out, ctool_error_t *err)
{
  if (store_begin_writing(s, err) < 0 || store_ensure_work_dir(s, err) < 0)
    return -1;
  char rnd[17];
  random_hex(rnd, 16);
  cleanup_free char *name = xasprintf("blob-%s", rnd);
  int fd = openat(s->workfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return ctool_error_set(err, errno, "create %s/tmp/%s/%s", s->root, s->work_name, name);
  struct blob_writer *w = xzalloc(sizeof *w);
  w->s = s;
  w->fd = fd;
  w->tmp_name = steal_pointer(&name);
  w->md = EVP_MD_CTX_new();
  if (w->md == NULL || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1)
    {
      blob_writer_abort(w);
      return ctool_error_set(err, 0, "cannot initialise sha256");
    }
  *out = w;
  return 0;
}

int
blob_writer_write(struct blob_writer *w, const void *buf, size_t len, ctool_error_t *err)
{
  const char *p = buf;
  EVP_DigestUpdate(w->md, buf, len);
  w->size += len;
  while (len > 0)
    {
      ssize_t n = write(w->fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return ctool_error_set(err, errno, "write blob to %s/tmp", w->s->root);
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

size_t
blob_writer_size(const struct blob_writer *w)
{
  return w->size;
}

void
blob_writer_abort(struct blob_writer *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close(w->fd);
  if (w->tmp_name)
    unlinkat(w->s->workfd, w->tmp_name, 0);
  EVP_MD_CTX_free(w->md);
  free(w->tmp_name);
  free(w);
}

int
blob_writer_commit(struct blob_writer *w, const char *expected_digest, ctool_error_t *err)
{
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  char actual[72];
  memcpy(actual, "sha256:", 7);
  EVP_DigestFinal_ex(w->md, raw, &n);
  hex_encode(raw, n, actual + 7);
  int ret = 0;
  if (!store_digest_valid(expected_digest))
    ret = ctool_error_set(err, 0, "invalid digest '%s'", expected_digest ? expected_digest : "");
  else if (strcmp(actual, expected_digest) != 0)
    ret = ctool_error_set(err, 0, "blob digest mismatch: expected %s, got %s", expected_digest, actual);
  /* Blob contents must be durable before their name says they are valid:
   * store_has_blob trusts names. */
  else if (fdatasync(w->fd) < 0)
    ret = ctool_error_set(err, errno, "sync blob %s", expected_digest);
  else if (renameat(w->s->workfd, w->tmp_name, w->s->blobsfd, digest_hex(expected_digest)) < 0)
    ret = ctool_error_set(err, errno, "store blob %s", expected_digest);
  else
    {
      free(w->tmp_name);
      w->tmp_name = NULL;
    }
  blob_writer_abort(w);
  return ret;
}

int
blob_writer_commit_any(struct blob_writer *w, char digest[72], ctool_error_t *err)
{
  EVP_MD_CTX *copy = EVP_MD_CTX_new();
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (copy == NULL || EVP_MD_CTX_copy_ex(copy, w->md) != 1)
    {
      EVP_MD_CTX_free(copy);
      blob_writer_abort(w);
      return ctool_error_set(err, 0, "cannot copy a sha256 state");
    }
  EVP_DigestFinal_ex(copy, raw, &n);
  EVP_MD_CTX_free(copy);
  memcpy(digest, "sha256:", 7);
  hex_encode(raw, n, digest + 7);
  return blob_writer_commit(w, digest, err);
}

int
store_write_blob(struct image_store *s, const char *digest, const void *data, size_t len, ctool_error_t *err)
{
  struct blob_writer *w;
  if (store_blob_writer_open(s, &w, err) < 0)
    return -1;
  if (blob_writer_write(w, data, len, err) < 0)
    {
      blob_writer_abort(w);
      return -1;
    }
  return blob_writer_commit(w, digest, err);
}
