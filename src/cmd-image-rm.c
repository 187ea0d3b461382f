/* ctool image rm (rmi) and image prune: untag or delete images, then
 * collect the blobs and layers nothing needs any more. */
#include "cmd-image.h"
#include "commands.h"
#include "container.h"
#include "extract.h"
#include "stop.h"
#include "jsonutil.h"
#include "libimage/lookup.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Podman's exit codes of rmi. */
enum { RMI_NOT_FOUND = 1, RMI_IN_USE = 2 };

struct rm_outcome {
  int exit_code;   /* 0, or the worst so far: 125 > 2 > 1 */
  size_t failures;
};

/* Report one failure (all but the last are printed here; the last
 * travels up to main as usual) and remember its exit code. */
static void
record_failure(struct rm_outcome *o, int code, ctool_error_t *err, ctool_error_t *e)
{
  if (*err)
    {
      fprintf(stderr, "ctool: %s\n", (*err)->msg);
      ctool_error_free(err);
    }
  *err = steal_pointer(e);
  (*err)->exit_code = code;
  if (o->exit_code == 0 || code == EXIT_CTOOL_ERROR || (code == RMI_IN_USE && o->exit_code == RMI_NOT_FOUND))
    o->exit_code = code;
  o->failures++;
}

/* The containers that use IMAGE_ID (their "ImageId"). */
static struct container **
containers_using(struct cli_ctx *ctx, const char *image_id, size_t *n_out, ctool_error_t *err)
{
  struct container **list = NULL, **out;
  size_t n = 0, k = 0;
  *n_out = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    return NULL;
  out = xzalloc((n + 1) * sizeof *out);
  for (size_t i = 0; i < n; i++)
    {
      const char *id = json_get_str(list[i]->meta, META_IMAGE_ID);
      if (id && strcmp(id, image_id) == 0)
        out[k++] = steal_pointer(&list[i]);
    }
  container_list_free(list, n);
  *n_out = k;
  return out;
}

/* rmi -f, as Podman: the containers using the image go first, running
 * ones stopped (their stop signal and timeout). */
static int
remove_containers(struct cli_ctx *ctx, struct container **users, size_t n, ctool_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      struct container *c = users[i];
      struct ctr_state st;
      if (container_lock(c, err) < 0 || container_state(c, &st, err) < 0)
        return -1;
      if (st.status != CTR_CREATED && st.status != CTR_EXITED && container_stop(c, -1, err) < 0)
        return -1;
      if (container_remove(ctx, c, err) < 0)
        return -1;
      container_unlock(c);
    }
  return 0;
}

static void
print_deleted(const struct image_info *info)
{
  for (size_t i = 0; info->names && info->names[i]; i++)
    printf("Untagged: %s\n", info->names[i]);
  printf("Deleted: %s\n", info->id);
}

static int
rm_one(struct cli_ctx *ctx, struct image_store *s, const char *arg, bool force, struct image_info *info,
       const char *matched, ctool_error_t *err)
{
  size_t names = strv_len(info->names);
  /* A name of an image with others: only that name goes. */
  if (matched && names > 1)
    {
      if (store_untag(s, matched, err) < 0)
        return -1;
      printf("Untagged: %s\n", matched);
      return 0;
    }
  if (matched == NULL && names > 1 && !force)
    return ctool_error_set(err, 0, "unable to delete image %.12s by ID with more than one name (%s, ...): untag it or use --force",
                           info->id, info->names[0]);
  size_t n_users = 0;
  struct container **users = containers_using(ctx, info->id, &n_users, err);
  if (users == NULL)
    return -1;
  int ret = 0;
  if (n_users > 0 && !force)
    ret = ctool_error_set_exit(err, RMI_IN_USE, 0,
                               "image %s (%.12s) is in use by container %.12s (%s): remove the container first or use --force",
                               arg, info->id, users[0]->id, users[0]->name);
  else if (n_users > 0)
    ret = remove_containers(ctx, users, n_users, err);
  container_list_free(users, n_users);
  if (ret < 0)
    return -1;
  if (store_delete_image(s, info->manifest_digest, err) < 0)
    return -1;
  print_deleted(info);
  return 0;
}

static void
collect_garbage(struct image_store *s)
{
  bool ran;
  ctool_error_t e = NULL;
  if (store_gc(s, &ran, &e) < 0)
    {
      log_warn("cleaning up unused layers: %s", e->msg);
      ctool_error_free(&e);
    }
}

static int
run_image_rm(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool force = cli_flag(args, "force"), all = cli_flag(args, "all"), ignore = cli_flag(args, "ignore");
  if (all == (cli_nargs(args) > 0))
    return ctool_error_set(err, 0, all ? "--all takes no image names" : "give at least one image (or --all)");
  struct image_store *s = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  struct rm_outcome outcome = { 0 };
  cleanup_strv char **targets = NULL;
  if (all)
    {
      struct image_info **infos = NULL;
      size_t n = 0;
      if (image_list_all(s, &infos, &n, err) < 0)
        {
          image_store_close(s);
          return -1;
        }
      for (size_t i = 0; i < n; i++)
        strv_push(&targets, infos[i]->id);
      image_infos_free(infos, n);
      force = true; /* every name goes anyway */
    }
  else
    targets = strv_dup(cli_argv(args));

  for (size_t i = 0; targets && targets[i]; i++)
    {
      struct image_info *info = NULL;
      cleanup_free char *matched = NULL;
      ctool_error_t e = NULL;
      if (image_store_lookup_name(s, targets[i], &info, &matched, &e) < 0)
        {
          bool missing = e->errnum == ENOENT;
          if (missing && ignore)
            ctool_error_free(&e);
          else
            record_failure(&outcome, missing ? RMI_NOT_FOUND : EXIT_CTOOL_ERROR, err, &e);
          continue;
        }
      if (rm_one(ctx, s, targets[i], force, info, matched, &e) < 0)
        record_failure(&outcome, e->exit_code == RMI_IN_USE ? RMI_IN_USE : EXIT_CTOOL_ERROR, err, &e);
      image_info_free(info);
    }
  collect_garbage(s);
  image_store_close(s);
  return outcome.failures ? -1 : 0;
}

static const struct cli_option image_rm_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Remove all images", NULL },
  { "force", 'f', OPT_BOOL, NULL, "Also remove the containers using the image (stopping running ones), and all names of an image given by ID", NULL },
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore images that do not exist", NULL },
  { NULL },
};

/* "image rm", and "rmi" with the same fields. */
#define IMAGE_RM_COMMAND \
  .summary = "Remove local images", .usage = "[options] IMAGE [IMAGE...]", .handler = run_image_rm, \
  .options = image_rm_options, .max_args = -1, .args_complete = COMPLETE_IMAGES

const struct cli_command cmd_image_rm = { .name = "rm", IMAGE_RM_COMMAND };

const struct cli_command cmd_rmi = { .name = "rmi", IMAGE_RM_COMMAND, .alias_of = "image rm" };

/* ---------- prune ---------- */

static bool
confirm(const char *question)
{
  fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", question);
  fflush(stderr);
  char line[64];
  if (fgets(line, sizeof line, stdin) == NULL)
    return false;
  return line[0] == 'y' || line[0] == 'Y';
}

static int
run_image_prune(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool all = cli_flag(args, "all");
  if (!cli_flag(args, "force")
      && !confirm(all ? "WARNING! This command removes all images without at least one container associated with them."
                      : "WARNING! This command removes all dangling images."))
    return 0;
  struct image_store *s = NULL;
  struct image_info **infos = NULL;
  size_t n = 0;
  if (ctool_store_open(ctx, &s, err) < 0 || image_list_all(s, &infos, &n, err) < 0)
    {
      image_store_close(s);
      return -1;
    }
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      struct image_info *info = infos[i];
      if ((!all && strv_len(info->names) > 0) || container_image_in_use(ctx, info->id))
        continue;
      if (store_delete_image(s, info->manifest_digest, err) < 0)
        ret = -1;
      else
        printf("%s\n", info->id);
    }
  collect_garbage(s);
  image_infos_free(infos, n);
  image_store_close(s);
  return ret;
}

static const struct cli_option image_prune_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Remove every image no container uses, not only nameless ones", NULL },
  { "force", 'f', OPT_BOOL, NULL, "Do not ask for confirmation", NULL },
  { NULL },
};

const struct cli_command cmd_image_prune = {
  .name = "prune",
  .summary = "Remove unused images",
  .usage = "[options]",
  .handler = run_image_prune,
  .options = image_prune_options,
  .max_args = 0,
};
