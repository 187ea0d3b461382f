/* --userns=keep-id: the user is the same UID inside, and as Podman does,
 * whoami, id -un and $HOME work there: when the image's /etc/passwd has
 * no entry for the user's name, the container gets a copy with one
 * added (NAME:*:UID:GID:GECOS:HOME:/bin/sh), and likewise /etc/group for
 * the user's primary group. The copies live in the container's directory
 * and are bind-mounted over the image's files, which stay unchanged. */
#ifndef CTOOL_KEEP_ID_H
#define CTOOL_KEEP_ID_H

#include "error.h"

struct keep_id_etc {
  char *passwd;  /* the image's passwd plus the user's line; NULL: keep the image's */
  char *group;   /* the image's group plus the user's group; NULL: keep the image's */
  char *home;    /* the user's home inside: the image's entry's, else HOME_DEFAULT */
};

/* Decide the files for the calling user against the image's LAYER_DIRS
 * (bottom first). The home of an added entry is, as Podman's, the
 * container's working directory WORKDIR, or the user's host home when
 * one of VOLUMES (-v SRC:DST[:OPTS], NULL-ended) is mounted there. */
int keep_id_etc_build(char *const *layer_dirs, const char *workdir, char *const *volumes,
                      struct keep_id_etc *out, ctool_error_t *err);
void keep_id_etc_clear(struct keep_id_etc *k);

#endif
