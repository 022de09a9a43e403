// Umbrella header: the seccomp headers Corral uses.
#include <seccomp.h>
