/* The image verbs' pieces shared between cmd-image*.c files. */
#ifndef CTOOL_CMD_IMAGE_H
#define CTOOL_CMD_IMAGE_H

#include <stddef.h>

#include "cli.h"
#include "libimage/store.h"

extern const struct cli_command cmd_image_rm;
extern const struct cli_command cmd_image_prune;
extern const struct cli_command cmd_image_save;
extern const struct cli_command cmd_image_load;

/* Every complete image of the store, newest first. */
int image_list_all(struct image_store *s, struct image_info ***out, size_t *n, ctool_error_t *err);
void image_infos_free(struct image_info **infos, size_t n);

#endif
