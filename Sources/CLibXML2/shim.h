// Umbrella header: the xml2 headers Corral uses.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
