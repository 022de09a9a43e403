// Umbrella header: the libxml2 headers Corral uses.
//
// Debian's libxml2 is built with ICU, so <libxml/encoding.h> pulls in the system's ICU
// headers, whose types clash with the ICU copy inside Swift's Foundation in any module that
// sees both (tests do). Corral never touches libxml2's encoding handlers, whose layout is the
// only thing the ICU switch changes (pointers to them stay pointers), so it is switched off
// here for the declarations Swift sees.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
