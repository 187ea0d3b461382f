#include "prompt.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int
prompt_line(const char *prompt, bool echo, const char *what, const char *hint, char **out, ctool_error_t *err)
{
  *out = NULL;
  if (!isatty(STDIN_FILENO))
    return ctool_error_set(err, 0, "cannot ask for the %s: stdin is not a terminal (%s)", what, hint);
  struct termios saved, quiet;
  bool restore = false;
  if (!echo && tcgetattr(STDIN_FILENO, &saved) == 0)
    {
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      quiet.c_lflag |= ECHONL;
      restore = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
  fputs(prompt, stderr);
  fflush(stderr);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  int saved_errno = errno;
  if (restore)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (n < 0)
    {
      free(line);
      if (feof(stdin))
        return ctool_error_set(err, 0, "no %s given (end of input)", what);
      return ctool_error_set(err, saved_errno, "cannot read the %s", what);
    }
  line[strcspn(line, "\r\n")] = '\0';
  *out = line;
  return 0;
}

int
read_stdin_secret(char **out, ctool_error_t *err)
{
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;)
    {
      if (len + 4096 > cap)
        {
          cap = cap ? cap * 2 : 8192;
          if (cap > (1u << 20))
            {
              free(buf);
              return ctool_error_set(err, 0, "the password on stdin is longer than 1 MiB");
            }
          buf = xrealloc(buf, cap);
        }
      ssize_t n = read(STDIN_FILENO, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          free(buf);
          return ctool_error_set(err, errno, "cannot read the password from stdin");
        }
      if (n == 0)
        break;
      len += (size_t) n;
    }
  if (buf == NULL)
    buf = xstrdup("");
  buf[len] = '\0';
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  *out = buf;
  return 0;
}
