/* The per-user content store: an OCI image layout (oci-layout, index.json,
 * blobs/sha256) plus extracted layers keyed by chain ID.
 *
 *   ROOT/oci-layout, ROOT/index.json      OCI layout; ref.name annotations
 *                                         hold full names
 *   ROOT/blobs/sha256/HEX                 manifests, configs, layer blobs
 *   ROOT/layers/CHAINHEX/                 extracted layer (overlay lower dir)
 *   ROOT/layers/CHAINHEX.json             its record: diff ID, unpacked size,
 *                                         file count (written before the
 *                                         directory is renamed into place)
 *   ROOT/locks/CHAINHEX.lock              held while a layer is extracted
 *   ROOT/tmp/PID-RAND/ + PID-RAND.lock    one private work dir per process;
 *                                         the .lock is flocked for the
 *                                         process's life, so a dir whose lock
 *                                         can be taken is stale (kill -9)
 *   ROOT/store.lock                       flock guarding index.json
 *   ROOT/gc.lock                          shared by writers (pulls, loads),
 *                                         exclusive for garbage collection
 *
 * Readers (lookup, list) take no lock: index.json is only ever replaced by
 * rename. Implements image.h too. */
#ifndef CTOOL_STORE_H
#define CTOOL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"

#define STORE_REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

/* Streaming blob write: data is hashed (sha256) as it arrives into a temp
 * file under ROOT/tmp; commit checks the digest and renames into blobs/.
 * A mismatch removes the temp file and fails with both digests named.
 * commit and abort free the writer. */
struct blob_writer;
int store_blob_writer_open(struct image_store *s, struct blob_writer **out, ctool_error_t *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, ctool_error_t *err);
int blob_writer_commit(struct blob_writer *w, const char *expected_digest, ctool_error_t *err);
void blob_writer_abort(struct blob_writer *w);
/* Commit under the digest the data has (archives name their own files):
 * DIGEST receives "sha256:<hex>". */
int blob_writer_commit_any(struct blob_writer *w, char digest[72], ctool_error_t *err);
/* Bytes written so far (resume and progress). */
size_t blob_writer_size(const struct blob_writer *w);

/* store_has_blob also marks this process as a writer (gc.lock shared) so
 * that a blob it found cannot be collected before store_commit_image. */
bool store_has_blob(struct image_store *s, const char *digest);
char *store_blob_path(struct image_store *s, const char *digest);
int store_read_blob(struct image_store *s, const char *digest, char **data, size_t *len, ctool_error_t *err);
int store_write_blob(struct image_store *s, const char *digest, const void *data, size_t len, ctool_error_t *err);

/* Extracting layers: the store asks the caller to unpack blobs into empty
 * directories, because the caller knows how (inside the user namespace, so
 * owners land on subordinate IDs). All layers of one image that are
 * missing come in one call, so the caller can use one namespace and unpack
 * them in parallel. Each directory is renamed to layers/CHAINHEX only after
 * the callback succeeded. */
struct store_extract_job {
  const char *blob_path;   /* the (compressed) layer blob */
  const char *media_type;  /* from the manifest; tells the compression */
  const char *diff_id;     /* "sha256:..." the uncompressed tar must hash to */
  const char *target_dir;  /* an existing empty directory to fill */
  /* Filled by the callback: */
  uint64_t size;           /* bytes unpacked (regular file contents) */
  uint64_t files;          /* entries created */
};
typedef int (*store_extract_fn)(void *data, struct store_extract_job *jobs, size_t n_jobs,
                                ctool_error_t *err);

/* Removing trees that may hold files owned by subordinate IDs (which the
 * user cannot unlink): the store hands absolute paths to this callback
 * (src/extract.c runs it in the user namespace). Without one, rm -rf as
 * the user. */
typedef int (*store_remove_fn)(void *data, char *const *paths, ctool_error_t *err);
void store_set_remover(struct image_store *s, store_remove_fn fn, void *data);

/* Make sure every layer of MANIFEST (with its CONFIG) is extracted, then
 * record NAME (full reference, may be NULL) -> manifest digest in
 * index.json. Everything under the store lock; safe against parallel pulls
 * and kill -9 at any point. A name that pointed at another image moves
 * here; the other image stays, nameless ("<none>"), until pruned. */
int store_commit_image(struct image_store *s, const char *name, const char *manifest_digest,
                       store_extract_fn extract, void *extract_data, ctool_error_t *err);

/* Keep this process marked as a writer across several commits (a
 * multi-image load, a pull of several images): until store_release_writes,
 * store_commit_image does not let garbage collection in between. */
int store_hold_writes(struct image_store *s, ctool_error_t *err);
void store_release_writes(struct image_store *s);

const char *store_root(struct image_store *s);

/* The layer chain: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). Fills OUT (a
 * "sha256:<hex>" string of 71 chars + NUL). */
void store_chain_id(const char *parent_chain_id, const char *diff_id, char out[72]);
/* "sha256:<64 lowercase hex>" */
bool store_digest_valid(const char *digest);

/* ---- Images as the image verbs see them ---- */

struct store_image {
  char *manifest_digest;   /* "sha256:..." */
  char *manifest_media_type;
  int64_t manifest_size;
  char **names;            /* full names recorded in index.json, NULL-ended */
};

/* Every image in index.json (one per manifest digest), in index order. */
int store_list_images(struct image_store *s, struct store_image **out, size_t *n, ctool_error_t *err);
void store_images_free(struct store_image *imgs, size_t n);
/* Full info on the image with MANIFEST_DIGEST (lookup without name rules). */
int store_image_info(struct image_store *s, const char *manifest_digest, struct image_info **out,
                     ctool_error_t *err);

/* Add NAME (a full reference) to the image; it moves off any other image. */
int store_tag_image(struct image_store *s, const char *manifest_digest, const char *name, ctool_error_t *err);
/* Remove NAME from whatever image holds it; ENOENT when none does. */
int store_untag(struct image_store *s, const char *name, ctool_error_t *err);
/* Drop the image from index.json (all its names). */
int store_delete_image(struct image_store *s, const char *manifest_digest, ctool_error_t *err);
/* Remove blobs and layers no image in index.json needs, plus stale tmp
 * dirs. Skipped (returns 0, *ran = false) while another process is
 * writing; the next collection gets them. */
int store_gc(struct image_store *s, bool *ran, ctool_error_t *err);

#endif
