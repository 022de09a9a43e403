// SwiftPM needs one translation unit per C target; every wrapper is static inline in the header.
#include "CCorralSys.h"
