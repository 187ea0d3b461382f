/* Image references as users type them, normalized as Podman does:
 * "busybox" -> docker.io/library/busybox:latest. */
#ifndef CTOOL_REFERENCE_H
#define CTOOL_REFERENCE_H

#include <stdbool.h>

#include "error.h"

struct image_ref {
  char *registry;    /* "docker.io", "127.0.0.1:5000" */
  char *repository;  /* "library/busybox" */
  char *tag;         /* "latest"; NULL when only a digest was given */
  char *digest;      /* "sha256:<64 hex>" or NULL */
};

/* Parse a fully qualified or short reference. A name without a registry
 * part (no '.', ':' or "localhost" before the first '/') is completed
 * with docker.io (and library/ for one-component names); *was_short tells
 * whether that happened, so callers can apply registries.conf short-name
 * rules instead. A missing tag and digest means "latest". Invalid input:
 * an error that quotes it ("invalid reference 'Foo:': ..."). */
int image_ref_parse(const char *input, struct image_ref *out, bool *was_short, ctool_error_t *err);
/* "registry/repository:tag", "registry/repository@digest" or both. */
char *image_ref_string(const struct image_ref *ref);
/* "registry/repository" */
char *image_ref_name(const struct image_ref *ref);
void image_ref_clear(struct image_ref *ref);
/* True when S is a 64-hex ID or an ID prefix (3..64 hex chars). */
bool image_id_like(const char *s);

#endif
