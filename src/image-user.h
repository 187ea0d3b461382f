/* Users and groups of an image: read /etc/passwd and /etc/group from the
 * extracted layers, top layer first, as the overlay would show them
 * (whiteouts and opaque directories honoured), and resolve -u USER[:GROUP]
 * the way Podman does. */
#ifndef CTOOL_IMAGE_USER_H
#define CTOOL_IMAGE_USER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Read PATH (relative, "etc/passwd") as the merged view of LAYER_DIRS
 * (bottom first, NULL-ended) shows it. Absent: returns -1 with errno
 * ENOENT and no error struct; other failures fill err. */
int layers_read_file(char *const *layer_dirs, const char *path, char **out, ctool_error_t *err);

struct image_user {
  uint32_t uid, gid;
  uint32_t *groups;   /* supplementary groups */
  size_t n_groups;
  char *home;         /* from passwd; NULL when the user has no entry */
};

/* Resolve SPEC ("", "name", "uid", "name:group", "uid:gid") against the
 * image. Unknown names: Podman's "unable to find user NAME: no matching
 * entries in passwd file". */
int image_user_resolve(char *const *layer_dirs, const char *spec, struct image_user *out, ctool_error_t *err);
/* The same against PASSWD and GROUP texts where given (non-NULL): the
 * files the container will see in place of the image's, such as
 * --userns=keep-id's copies with the user added (keep-id.h). */
int image_user_resolve_over(char *const *layer_dirs, const char *passwd, const char *group, const char *spec,
                            struct image_user *out, ctool_error_t *err);
void image_user_clear(struct image_user *u);

/* The parsers, for unit tests: find NAME (or the UID when NAME is NULL)
 * in passwd TEXT; 0 when found. */
int passwd_find(const char *text, const char *name, uint32_t uid, uint32_t *uid_out, uint32_t *gid_out,
                char **home_out);
/* Find group NAME in group TEXT. */
int group_find(const char *text, const char *name, uint32_t *gid_out);
/* Every group that lists USER as a member (and not GID, the primary). */
void group_members(const char *text, const char *user, uint32_t primary, uint32_t **gids, size_t *n);

#endif
