/* Unit tests of the JSON helpers: what json_parse_text() accepts after
 * the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

/* Parse LEN bytes of TEXT; NULL when accepted, else the error message. */
static char *
parse_len(const char *text, size_t len)
{
  cleanup_json json_object *o = NULL;
  ctool_error_t err = NULL;
  if (json_parse_text(text, len, "test.json", &o, &err) == 0)
    {
      assert_non_null(o);
      return NULL;
    }
  assert_null(o);
  char *msg = strdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static void
assert_accepted(const char *text, size_t len)
{
  char *msg = parse_len(text, len);
  if (msg)
    fail_msg("refused (%s): %s", msg, text);
}

static void
assert_trailing(const char *text, size_t len)
{
  char *msg = parse_len(text, len);
  if (msg == NULL)
    fail_msg("accepted: %s plus %zu bytes", text, len - strlen(text));
  assert_string_equal(msg, "invalid JSON in test.json: trailing data");
  free(msg);
}

static void
test_trailing_white_space(void **state)
{
  assert_accepted("{\"a\": 1}", 8);
  assert_accepted("{\"a\": 1} \t\r\n", 12);
  assert_trailing("{\"a\": 1} x", 10);
}

static void
test_trailing_nul(void **state)
{
  /* Bytes after the text's NUL are data the caller read: not white space. */
  static const char nul_end[] = "{\"a\": 1}\0";
  assert_trailing(nul_end, sizeof nul_end - 1);
  static const char nul_then_space[] = "{\"a\": 1}\n\0\n";
  assert_trailing(nul_then_space, sizeof nul_then_space - 1);
  static const char nul_then_text[] = "[1, 2]\0{\"b\": 2}";
  assert_trailing(nul_then_text, sizeof nul_then_text - 1);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_trailing_white_space),
    cmocka_unit_test(test_trailing_nul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
