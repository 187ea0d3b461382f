#include "namegen.h"
#include "util.h"

#include <sys/random.h>

static const char *const adjectives[] = {
  "agile", "amazing", "ample", "ancient", "bold", "brave", "bright", "busy", "calm", "careful",
  "cheerful", "clever", "cool", "cosy", "crisp", "curious", "daring", "dazzling", "eager", "earnest",
  "elegant", "epic", "fancy", "fast", "fearless", "fervent", "fluffy", "focused", "friendly", "gentle",
  "gifted", "glad", "golden", "graceful", "happy", "hardy", "hopeful", "humble", "jolly", "keen",
  "kind", "lively", "loyal", "lucid", "lucky", "merry", "mighty", "modest", "nifty", "noble",
  "patient", "peaceful", "plucky", "polite", "proud", "quick", "quiet", "rapid", "relaxed", "serene",
  "sharp", "shiny", "silly", "sleepy", "smart", "snappy", "solid", "spry", "steady", "stoic",
  "sunny", "swift", "tender", "thirsty", "tidy", "tiny", "trusty", "upbeat", "vibrant", "vigilant",
  "warm", "wise", "witty", "zealous", "zen",
};

static const char *const nouns[] = {
  "albatross", "antelope", "badger", "beaver", "bison", "bobcat", "buffalo", "camel", "caribou", "cheetah",
  "condor", "cougar", "coyote", "crane", "dingo", "dolphin", "eagle", "egret", "elk", "falcon",
  "ferret", "finch", "fox", "gazelle", "gecko", "gibbon", "heron", "hippo", "ibex", "ibis",
  "jackal", "jaguar", "kestrel", "kiwi", "koala", "lemur", "leopard", "lynx", "magpie", "marmot",
  "marten", "meerkat", "mink", "moose", "narwhal", "newt", "ocelot", "okapi", "orca", "osprey",
  "otter", "owl", "panda", "panther", "pelican", "penguin", "puffin", "quail", "quokka", "rabbit",
  "raven", "robin", "salmon", "seal", "sparrow", "stork", "swan", "tapir", "tiger", "toucan",
  "turtle", "viper", "vole", "walrus", "weasel", "whale", "wombat", "wren", "yak", "zebra",
};

char *
namegen_random(void)
{
  unsigned int r[2] = { 0, 0 };
  if (getrandom(r, sizeof r, 0) != (ssize_t) sizeof r)
    r[0] = (unsigned) getpid(), r[1] = (unsigned) getpid() * 7919u;
  return xasprintf("%s_%s", adjectives[r[0] % ARRAY_SIZE(adjectives)], nouns[r[1] % ARRAY_SIZE(nouns)]);
}
