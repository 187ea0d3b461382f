/* ctool image save / image load (and the save, load aliases): move images
 * between machines as OCI or Docker archives. */
#include "cmd-image.h"
#include "commands.h"
#include "extract.h"
#include "fsutil.h"
#include "image-helper.h"
#include "libimage/imgarchive.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------- save ---------- */

/* The archive goes to FILE.tmp-XXXX next to FILE and is renamed at the
 * end: a failed save leaves nothing. */
static int
save_to_file(struct image_store *s, enum image_archive_format fmt, struct image_info **infos, size_t n,
             const char *path, ctool_error_t *err)
{
  char rnd[9];
  random_hex(rnd, 8);
  cleanup_free char *tmp = xasprintf("%s.tmp-%s", path, rnd);
  cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return ctool_error_set(err, errno, "create %s", tmp);
  if (image_archive_save(s, fmt, infos, n, fd, err) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0)
    {
      int e = errno;
      unlink(tmp);
      if (*err == NULL)
        ctool_error_set(err, e, "write %s", path);
      return -1;
    }
  return 0;
}

int
cmd_image_save_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *output = cli_str(args, "output");
  const char *format = cli_str(args, "format") ?: "docker-archive";
  int fmt = image_archive_format_parse(format);
  if (fmt < 0)
    return ctool_error_set(err, 0, "unsupported --format '%s': use oci-archive or docker-archive", format);
  if (output == NULL && isatty(STDOUT_FILENO))
    return ctool_error_set(err, 0, "refusing to write an archive to a terminal: use -o FILE or redirect the output");
  struct image_store *s = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  size_t n = cli_nargs(args);
  struct image_info **infos = xzalloc((n + 1) * sizeof *infos);
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    ret = image_store_lookup(s, cli_arg(args, i), &infos[i], err);
  if (ret == 0)
    {
      if (output)
        ret = save_to_file(s, (enum image_archive_format) fmt, infos, n, output, err);
      else
        ret = image_archive_save(s, (enum image_archive_format) fmt, infos, n, STDOUT_FILENO, err);
    }
  image_infos_free(infos, n);
  image_store_close(s);
  return ret;
}

/* ---------- load ---------- */

int
cmd_image_load_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *input = cli_str(args, "input");
  cleanup_close int fd = -1;
  if (input)
    {
      fd = open(input, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return ctool_error_set(err, errno, "open %s", input);
    }
  else if (isatty(STDIN_FILENO))
    return ctool_error_set(err, 0, "no archive given: use -i FILE or redirect standard input");
  struct image_store *s = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  cleanup_strv char **loaded = NULL;
  int ret = image_archive_load(s, input ? fd : STDIN_FILENO, extract_layers_userns, NULL, &loaded, err);
  if (ret < 0)
    ctool_error_prefix(err, "load %s", input ? input : "from standard input");
  else if (!cli_flag(args, "quiet"))
    for (size_t i = 0; loaded && loaded[i]; i++)
      printf("Loaded image: %s\n", loaded[i]);
  image_store_close(s);
  return ret;
}
