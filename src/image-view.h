/* Images as the verbs show them: Podman's JSON shapes for `image ls
 * --format json` and `image inspect`, and the table rows of `images`. The
 * top-level `inspect` calls image_inspect_by_name for images. */
#ifndef CTOOL_IMAGE_VIEW_H
#define CTOOL_IMAGE_VIEW_H

#include <json-c/json.h>

#include "cli.h"
#include "error.h"
#include "libimage/store.h"

/* "reg/repo:tag" -> REPO "reg/repo", TAG "tag"; "reg/repo@sha256:..." ->
 * TAG "<none>". Malloc'd both. */
void image_name_split(const char *name, char **repo, char **tag);
/* NAME@DIGEST for each repository of the image (deduplicated). */
char **image_repo_digests(const struct image_info *info);
/* Podman's `image inspect` object. */
json_object *image_inspect_json(struct image_store *s, const struct image_info *info);
/* The same for what NAME finds (the top-level `inspect` uses this);
 * ENOENT when there is no such image. */
int image_inspect_by_name(struct cli_ctx *ctx, const char *name, json_object **out, ctool_error_t *err);
/* Podman's `images --format json` object (CONTAINERS: how many use it). */
json_object *image_list_json(const struct image_info *info, int containers);
/* RFC 3339 of the config's "created" as written there, or from seconds. */
const char *image_created_string(const struct image_info *info);

#endif
