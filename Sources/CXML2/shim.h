#include <libxml/parser.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/encoding.h>
static inline void cxml_free(void *p) { xmlFree(p); }
static inline int cxml_nodeset_length(xmlNodeSetPtr ns) { return xmlXPathNodeSetGetLength(ns); }
static inline xmlNodePtr cxml_nodeset_item(xmlNodeSetPtr ns, int i) { return xmlXPathNodeSetItem(ns, i); }
