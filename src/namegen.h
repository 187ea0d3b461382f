/* Random container names as Podman makes them: "adjective_noun". */
#ifndef CTOOL_NAMEGEN_H
#define CTOOL_NAMEGEN_H

/* A fresh malloc'd name such as "brave_otter". */
char *namegen_random(void);

#endif
