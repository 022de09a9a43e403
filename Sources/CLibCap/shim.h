// Umbrella header: the cap headers Corral uses.
#include <sys/capability.h>
