/* Unit tests of image reference parsing and normalization. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"
#include "util.h"

#define SHA "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct good_case {
  const char *input;
  const char *registry;
  const char *repository;
  const char *tag;     /* NULL: none */
  const char *digest;  /* NULL: none */
  bool is_short;
  const char *full;    /* image_ref_string */
};

static const struct good_case good[] = {
  { "busybox", "docker.io", "library/busybox", "latest", NULL, true, "docker.io/library/busybox:latest" },
  { "busybox:1.36", "docker.io", "library/busybox", "1.36", NULL, true, "docker.io/library/busybox:1.36" },
  { "user/app", "docker.io", "user/app", "latest", NULL, true, "docker.io/user/app:latest" },
  { "user/app:v1", "docker.io", "user/app", "v1", NULL, true, "docker.io/user/app:v1" },
  { "a/b/c", "docker.io", "a/b/c", "latest", NULL, true, "docker.io/a/b/c:latest" },
  { "docker.io/library/busybox", "docker.io", "library/busybox", "latest", NULL, false,
    "docker.io/library/busybox:latest" },
  { "docker.io/busybox", "docker.io", "library/busybox", "latest", NULL, false, "docker.io/library/busybox:latest" },
  { "index.docker.io/busybox", "docker.io", "library/busybox", "latest", NULL, false,
    "docker.io/library/busybox:latest" },
  { "index.docker.io/user/app:1", "docker.io", "user/app", "1", NULL, false, "docker.io/user/app:1" },
  { "localhost/app", "localhost", "app", "latest", NULL, false, "localhost/app:latest" },
  { "localhost:5000/app:dev", "localhost:5000", "app", "dev", NULL, false, "localhost:5000/app:dev" },
  { "127.0.0.1:5000/ctool-test/busybox:latest", "127.0.0.1:5000", "ctool-test/busybox", "latest", NULL, false,
    "127.0.0.1:5000/ctool-test/busybox:latest" },
  { "quay.io/a/b/c", "quay.io", "a/b/c", "latest", NULL, false, "quay.io/a/b/c:latest" },
  { "Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", NULL, false,
    "Registry.Example.COM/app:latest" },
  { "[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, false, "[::1]:5000/app:latest" },
  { "host:65535/x", "host:65535", "x", "latest", NULL, false, "host:65535/x:latest" },
  { "busybox@" SHA, "docker.io", "library/busybox", NULL, SHA, true, "docker.io/library/busybox@" SHA },
  { "repo:tag@" SHA, "docker.io", "library/repo", "tag", SHA, true, "docker.io/library/repo:tag@" SHA },
  { "host:5000/repo@" SHA, "host:5000", "repo", NULL, SHA, false, "host:5000/repo@" SHA },
  { "a.b-c---d.e-f/x", "a.b-c---d.e-f", "x", "latest", NULL, false, "a.b-c---d.e-f/x:latest" },
  { "a_b__c-d--e/f_g.h", "docker.io", "a_b__c-d--e/f_g.h", "latest", NULL, true, "docker.io/a_b__c-d--e/f_g.h:latest" },
  /* No slash: "example.com" is a repository name on Docker Hub, as in Docker. */
  { "example.com", "docker.io", "library/example.com", "latest", NULL, true, "docker.io/library/example.com:latest" },
  { "localhost", "docker.io", "library/localhost", "latest", NULL, true, "docker.io/library/localhost:latest" },
  { "localhost:5000", "docker.io", "library/localhost", "5000", NULL, true, "docker.io/library/localhost:5000" },
  { "busybox:_A.b-C", "docker.io", "library/busybox", "_A.b-C", NULL, true, "docker.io/library/busybox:_A.b-C" },
  { "busybox:LATEST", "docker.io", "library/busybox", "LATEST", NULL, true, "docker.io/library/busybox:LATEST" },
  /* 63 hex digits is a name, 64 would be an ID. */
  { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "docker.io",
    "library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "latest", NULL, true, NULL },
};

static void
test_good_references(void **state)
{
  for (size_t i = 0; i < ARRAY_SIZE(good); i++)
    {
      const struct good_case *c = &good[i];
      struct image_ref ref;
      bool is_short = !c->is_short;
      ctool_error_t err = NULL;
      if (image_ref_parse(c->input, &ref, &is_short, &err) < 0)
        fail_msg("%s: %s", c->input, err->msg);
      assert_string_equal(ref.registry, c->registry);
      assert_string_equal(ref.repository, c->repository);
      if (c->tag)
        assert_string_equal(ref.tag, c->tag);
      else
        assert_null(ref.tag);
      if (c->digest)
        assert_string_equal(ref.digest, c->digest);
      else
        assert_null(ref.digest);
      if (is_short != c->is_short)
        fail_msg("%s: was_short is %d", c->input, is_short);
      if (c->full)
        {
          char *s = image_ref_string(&ref);
          assert_string_equal(s, c->full);
          free(s);
        }
      image_ref_clear(&ref);
      assert_null(ref.registry);
    }
}

static void
test_normalized_string_is_stable(void **state)
{
  /* Parsing the normalized form again gives the same form. */
  for (size_t i = 0; i < ARRAY_SIZE(good); i++)
    {
      struct image_ref ref, again;
      ctool_error_t err = NULL;
      bool is_short = true;
      assert_int_equal(image_ref_parse(good[i].input, &ref, NULL, &err), 0);
      char *s = image_ref_string(&ref);
      if (image_ref_parse(s, &again, &is_short, &err) < 0)
        fail_msg("%s: %s", s, err->msg);
      char *s2 = image_ref_string(&again);
      assert_string_equal(s, s2);
      /* A name that had to be completed is still short only if docker.io
       * was implied; the normalized one always names its registry. */
      assert_false(is_short);
      free(s);
      free(s2);
      image_ref_clear(&ref);
      image_ref_clear(&again);
    }
}

static void
test_name_helper(void **state)
{
  struct image_ref ref;
  ctool_error_t err = NULL;
  assert_int_equal(image_ref_parse("quay.io/ns/app:1@" SHA, &ref, NULL, &err), 0);
  char *name = image_ref_name(&ref);
  assert_string_equal(name, "quay.io/ns/app");
  free(name);
  image_ref_clear(&ref);
}

struct bad_case {
  const char *input;
  const char *message;  /* the whole error */
};

static const struct bad_case bad[] = {
  { "", "invalid reference '': empty image name" },
  { "Foo:", "invalid reference 'Foo:': empty tag after ':' (use NAME:TAG or leave out the ':')" },
  { "Busybox", "invalid reference 'Busybox': repository name must be lowercase" },
  { "docker.io/Library/busybox", "invalid reference 'docker.io/Library/busybox': repository name must be lowercase" },
  { "user/App:1", "invalid reference 'user/App:1': repository name must be lowercase" },
  { "busybox:", "invalid reference 'busybox:': empty tag after ':' (use NAME:TAG or leave out the ':')" },
  { "busybox@", "invalid reference 'busybox@': '@' must be followed by a digest such as sha256:<64 hex digits>" },
  { "busybox@sha256", "invalid reference 'busybox@sha256': a digest looks like sha256:<64 hex digits>" },
  { "busybox@sha256:", "invalid reference 'busybox@sha256:': a digest looks like sha256:<64 hex digits>" },
  { "busybox@sha256:abc", "invalid reference 'busybox@sha256:abc': a sha256 digest is 64 lowercase hex digits" },
  { "busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
    "invalid reference 'busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef': "
    "a sha256 digest is 64 lowercase hex digits" },
  { "busybox@" SHA "0", NULL },
  { "busybox@md5:0123456789abcdef0123456789abcdef",
    "invalid reference 'busybox@md5:0123456789abcdef0123456789abcdef': unsupported digest algorithm 'md5' "
    "(use sha256, sha384 or sha512)" },
  { "busybox@" SHA "@" SHA, NULL },
  { ":tag", "invalid reference ':tag': no image name before ':'" },
  { "@" SHA, "invalid reference '@" SHA "': no image name before '@'" },
  { "a//b", "invalid reference 'a//b': empty path component (check for '//' or a '/' at either end)" },
  { "/busybox", "invalid reference '/busybox': empty path component (check for '//' or a '/' at either end)" },
  { "busybox/", "invalid reference 'busybox/': empty path component (check for '//' or a '/' at either end)" },
  { "quay.io/", "invalid reference 'quay.io/': empty path component (check for '//' or a '/' at either end)" },
  { "quay.io//x", NULL },
  { "-busybox", "invalid reference '-busybox': a path component must start and end with a lowercase letter or digit" },
  { "busybox-", "invalid reference 'busybox-': a path component must start and end with a lowercase letter or digit" },
  { "busy..box", "invalid reference 'busy..box': separators in a repository name are one '.', one or two '_', or dashes" },
  { "busy___box", NULL },
  { "busy_-box", NULL },
  { "busy box", "invalid reference 'busy box': only lowercase letters, digits, '.', '_', '__' and '-' may appear in a "
                "repository name" },
  { "busybox:a:b", NULL },
  { "busybox:.tag", "invalid reference 'busybox:.tag': a tag must start with a letter, digit or '_'" },
  { "busybox:-tag", NULL },
  { "busybox:t/ag", NULL },
  { "busybox:t ag", "invalid reference 'busybox:t ag': a tag may only hold letters, digits, '_', '.' and '-'" },
  { "host:/x", "invalid reference 'host:/x': invalid registry port (use HOST:PORT with a port from 1 to 65535)" },
  { "host:0/x", NULL },
  { "host:65536/x", NULL },
  { "host:5x/x", NULL },
  { "-host.com/x", "invalid reference '-host.com/x': invalid registry host name" },
  { "host-.com/x", NULL },
  { "ho_st.com/x", NULL },
  /* A first component with a dot is a registry, and "_" has no place there. */
  { "a.b__c/x", "invalid reference 'a.b__c/x': invalid registry host name" },
  { "a..b.com/x", NULL },
  { ".com/x", NULL },
  { "[::1/x", NULL },
  { "[]:5000/x", NULL },
  { "[::1]x/x", NULL },
  { "docker://busybox", "invalid reference 'docker://busybox': transport or URL prefixes (such as docker:// or "
                        "https://) are not part of an image name" },
  { "https://quay.io/x", NULL },
  { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "invalid reference '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef': "
    "a 64-character hex string is an image ID, not a name" },
  { "busybox\n", "invalid reference 'busybox\\x0a': only lowercase letters, digits, '.', '_', '__' and '-' may appear "
                 "in a repository name" },
  { "b\x1b[31mx", "invalid reference 'b\\x1b[31mx': only lowercase letters, digits, '.', '_', '__' and '-' may appear "
                  "in a repository name" },
  { "busyb\xc3\xb6x", NULL },
};

static void
test_bad_references(void **state)
{
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    {
      struct image_ref ref;
      ctool_error_t err = NULL;
      if (image_ref_parse(bad[i].input, &ref, NULL, &err) == 0)
        fail_msg("'%s' was accepted as %s/%s", bad[i].input, ref.registry, ref.repository);
      assert_non_null(err);
      assert_null(ref.registry);
      assert_null(ref.repository);
      assert_true(str_has_prefix(err->msg, "invalid reference '"));
      if (bad[i].message)
        assert_string_equal(err->msg, bad[i].message);
      ctool_error_free(&err);
    }
}

static void
test_length_limits(void **state)
{
  ctool_error_t err = NULL;
  struct image_ref ref;

  /* 255 characters of "registry/repository" are fine, 256 are not. */
  char name[300];
  memset(name, 'a', sizeof name);
  memcpy(name, "quay.io/", 8);
  name[255] = '\0';
  assert_int_equal(image_ref_parse(name, &ref, NULL, &err), 0);
  assert_int_equal(strlen(ref.repository), 255 - 8);
  image_ref_clear(&ref);
  name[255] = 'a';
  name[256] = '\0';
  assert_int_equal(image_ref_parse(name, &ref, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "name longer than 255 characters"));
  /* The error repeats only the start of hostile input. */
  assert_non_null(strstr(err->msg, "aaa...'"));
  assert_true(strlen(err->msg) < 200);
  ctool_error_free(&err);

  /* docker.io/library/ counts: a 240-character short name overflows. */
  char short_name[241];
  memset(short_name, 'b', 240);
  short_name[240] = '\0';
  assert_int_equal(image_ref_parse(short_name, &ref, NULL, &err), -1);
  ctool_error_free(&err);

  /* Tags: 128 characters at most. */
  char tagged[200];
  strcpy(tagged, "busybox:");
  memset(tagged + 8, 't', 128);
  tagged[8 + 128] = '\0';
  assert_int_equal(image_ref_parse(tagged, &ref, NULL, &err), 0);
  assert_int_equal(strlen(ref.tag), 128);
  image_ref_clear(&ref);
  tagged[8 + 128] = 't';
  tagged[8 + 129] = '\0';
  assert_int_equal(image_ref_parse(tagged, &ref, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "tag longer than 128 characters"));
  ctool_error_free(&err);

  /* A megabyte of junk: an error of bounded size, no crash. */
  size_t big = 1 << 20;
  char *huge = xmalloc(big + 1);
  memset(huge, '/', big);
  huge[big] = '\0';
  assert_int_equal(image_ref_parse(huge, &ref, NULL, &err), -1);
  assert_true(strlen(err->msg) < 400);
  ctool_error_free(&err);
  memset(huge, 'a', big);
  assert_int_equal(image_ref_parse(huge, &ref, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "name longer than"));
  ctool_error_free(&err);
  free(huge);
}

static void
test_other_digest_algorithms(void **state)
{
  char in[300];
  struct image_ref ref;
  ctool_error_t err = NULL;
  strcpy(in, "quay.io/x@sha512:");
  memset(in + strlen(in), 'f', 128);
  in[17 + 128] = '\0';
  assert_int_equal(image_ref_parse(in, &ref, NULL, &err), 0);
  assert_true(str_has_prefix(ref.digest, "sha512:"));
  assert_null(ref.tag);
  image_ref_clear(&ref);
  in[17 + 64] = '\0';
  assert_int_equal(image_ref_parse(in, &ref, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "a sha512 digest is 128 lowercase hex digits"));
  ctool_error_free(&err);
}

static void
test_null_was_short_and_error(void **state)
{
  struct image_ref ref;
  /* was_short and err may be NULL. */
  assert_int_equal(image_ref_parse("busybox", &ref, NULL, NULL), 0);
  image_ref_clear(&ref);
  assert_int_equal(image_ref_parse("Busybox", &ref, NULL, NULL), -1);
  assert_int_equal(image_ref_parse(NULL, &ref, NULL, NULL), -1);
}

static void
test_id_like(void **state)
{
  assert_true(image_id_like("abc"));
  assert_true(image_id_like("0123456789ab"));
  assert_true(image_id_like("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  assert_false(image_id_like("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
  assert_false(image_id_like("ab"));
  assert_false(image_id_like(""));
  assert_false(image_id_like(NULL));
  assert_false(image_id_like("ABC123"));
  assert_false(image_id_like("busybox"));
  assert_false(image_id_like("abc:latest"));
  assert_false(image_id_like("sha256:abc"));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_good_references),
    cmocka_unit_test(test_normalized_string_is_stable),
    cmocka_unit_test(test_name_helper),
    cmocka_unit_test(test_bad_references),
    cmocka_unit_test(test_length_limits),
    cmocka_unit_test(test_other_digest_algorithms),
    cmocka_unit_test(test_null_was_short_and_error),
    cmocka_unit_test(test_id_like),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
