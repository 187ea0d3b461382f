/* Unit tests of the WWW-Authenticate challenge parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wwwauth.h"

static void
parse_ok(const char *header, struct www_auth *a)
{
  ctool_error_t err = NULL;
  if (www_auth_parse(header, a, &err) < 0)
    fail_msg("parsing '%s' failed: %s", header, err->msg);
}

static char *
parse_fails(const char *header)
{
  struct www_auth a;
  ctool_error_t err = NULL;
  assert_int_equal(www_auth_parse(header, &a, &err), -1);
  assert_non_null(err);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

/* What Docker Hub sends for an anonymous manifest request. */
static void
test_docker_hub_bearer(void **state)
{
  struct www_auth a;
  parse_ok("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
           "scope=\"repository:library/busybox:pull\"",
           &a);
  assert_int_equal(a.scheme, WWW_AUTH_BEARER);
  assert_string_equal(a.realm, "https://auth.docker.io/token");
  assert_string_equal(a.service, "registry.docker.io");
  assert_string_equal(a.scope, "repository:library/busybox:pull");
  assert_null(a.error);
  www_auth_clear(&a);
}

/* The distribution registry's /v2/ with token auth: no scope. */
static void
test_bearer_without_scope(void **state)
{
  struct www_auth a;
  parse_ok("Bearer realm=\"http://127.0.0.1:5003/token\",service=\"ctool-test-registry\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BEARER);
  assert_string_equal(a.realm, "http://127.0.0.1:5003/token");
  assert_string_equal(a.service, "ctool-test-registry");
  assert_null(a.scope);
  www_auth_clear(&a);
}

static void
test_basic(void **state)
{
  struct www_auth a;
  parse_ok("Basic realm=\"ctool-test\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BASIC);
  assert_string_equal(a.realm, "ctool-test");
  www_auth_clear(&a);
  /* A bare scheme is a valid challenge too. */
  parse_ok("Basic", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BASIC);
  assert_null(a.realm);
  www_auth_clear(&a);
}

static void
test_case_insensitive(void **state)
{
  struct www_auth a;
  parse_ok("bEaReR REALM=\"https://r/t\", Service=svc , SCOPE=\"a:b:pull\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BEARER);
  assert_string_equal(a.realm, "https://r/t");
  assert_string_equal(a.service, "svc");
  assert_string_equal(a.scope, "a:b:pull");
  www_auth_clear(&a);
}

/* Scopes for several repositories hold commas and spaces inside quotes;
 * escapes are undone. */
static void
test_quoted_strings(void **state)
{
  struct www_auth a;
  parse_ok("Bearer realm=\"https://a/t?x=1\",scope=\"repository:a:pull,push repository:b:pull\","
           "error=\"insufficient_scope\",service=\"s \\\"quoted\\\" \\\\ back\"",
           &a);
  assert_string_equal(a.realm, "https://a/t?x=1");
  assert_string_equal(a.scope, "repository:a:pull,push repository:b:pull");
  assert_string_equal(a.error, "insufficient_scope");
  assert_string_equal(a.service, "s \"quoted\" \\ back");
  www_auth_clear(&a);
}

/* Several challenges in one header (or joined from several headers):
 * Bearer wins, whatever the order; unknown schemes are skipped. */
static void
test_several_challenges(void **state)
{
  struct www_auth a;
  parse_ok("Basic realm=\"r1\", Bearer realm=\"https://t/token\",service=\"s\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BEARER);
  assert_string_equal(a.realm, "https://t/token");
  assert_string_equal(a.service, "s");
  www_auth_clear(&a);

  parse_ok("Negotiate, Bearer realm=\"https://t/token\", Basic realm=\"x\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BEARER);
  assert_string_equal(a.realm, "https://t/token");
  www_auth_clear(&a);

  parse_ok("Negotiate abc==, Basic realm=\"only\"", &a);
  assert_int_equal(a.scheme, WWW_AUTH_BASIC);
  assert_string_equal(a.realm, "only");
  www_auth_clear(&a);
}

static void
test_unknown_params_ignored(void **state)
{
  struct www_auth a;
  parse_ok("Bearer realm=\"https://t\",charset=\"UTF-8\",foo=bar", &a);
  assert_string_equal(a.realm, "https://t");
  www_auth_clear(&a);
}

static void
test_errors(void **state)
{
  char *m = parse_fails("Bearer realm=\"https://t/token");
  assert_non_null(strstr(m, "unterminated quoted string"));
  assert_non_null(strstr(m, "'Bearer realm=\"https://t/token'"));
  free(m);

  m = parse_fails("Bearer service=\"s\"");
  assert_non_null(strstr(m, "no realm"));
  free(m);

  m = parse_fails("Digest realm=\"x\", nonce=\"y\"");
  assert_non_null(strstr(m, "no Basic or Bearer challenge"));
  free(m);

  m = parse_fails("");
  assert_non_null(strstr(m, "no Basic or Bearer challenge"));
  free(m);

  m = parse_fails("Bearer realm=\"a\" service=\"b\"");
  assert_non_null(strstr(m, "expected ','"));
  free(m);

  m = parse_fails("Bearer realm=\"a\", =b");
  assert_non_null(strstr(m, "unexpected character"));
  free(m);
}

/* Found by fuzzing (tests/fuzz/fuzz-wwwauth.c): the header went into the
 * message as it was, control characters and all. */
static void
test_error_quotes_header_printably(void **state)
{
  char *m = parse_fails("\t");
  assert_string_equal(m, "cannot parse the registry's WWW-Authenticate header '\\x09': no Basic or Bearer challenge");
  free(m);

  m = parse_fails("Digest realm=\"\x1b[2J\x1b]0;pwned\x07\"");
  assert_string_equal(m, "cannot parse the registry's WWW-Authenticate header "
                         "'Digest realm=\"\\x1b[2J\\x1b]0;pwned\\x07\"': no Basic or Bearer challenge");
  free(m);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_docker_hub_bearer),
    cmocka_unit_test(test_bearer_without_scope),
    cmocka_unit_test(test_basic),
    cmocka_unit_test(test_case_insensitive),
    cmocka_unit_test(test_quoted_strings),
    cmocka_unit_test(test_several_challenges),
    cmocka_unit_test(test_unknown_params_ignored),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_error_quotes_header_printably),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
