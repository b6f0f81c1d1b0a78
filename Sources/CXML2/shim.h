/* libxml2 is built with ICU here; its <unicode/*.h> clash with Foundation's bundled ICU in any Swift module that
 * imports both. Only the tail of xmlCharEncodingHandler (never touched from Swift) depends on this macro. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/encoding.h>
#include <string.h>
static inline void cxml_free(void *p) { xmlFree(p); }
static inline int cxml_nodeset_length(xmlNodeSetPtr ns) { return xmlXPathNodeSetGetLength(ns); }
static inline xmlNodePtr cxml_nodeset_item(xmlNodeSetPtr ns, int i) { return xmlXPathNodeSetItem(ns, i); }

/// The first error (and a count of all errors) seen while parsing one document; filled per parser context,
/// so concurrent parses never share it (no global error handler is installed).
typedef struct {
    int count;
    int code;
    int line;
    int column;
    int refused;          /* 1 when an entity loop / amplification / depth limit was hit */
    char message[512];
    char refusedMessage[256];
} cxml_parse_errors;

static void cxml_record_error(void *userData, xmlErrorPtr err) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)userData;
    if (ctxt == NULL || err == NULL || ctxt->_private == NULL) return;
    if (err->level < XML_ERR_ERROR) return;  /* warnings are not errors */
    cxml_parse_errors *e = (cxml_parse_errors *)ctxt->_private;
    const char *msg = err->message ? err->message : "unknown error";
    int isRefusal = err->code == XML_ERR_ENTITY_LOOP
        || (err->code == XML_ERR_INTERNAL_ERROR && (strstr(msg, "depth") != NULL || strstr(msg, "amplification") != NULL))
        || strstr(msg, "Excessive depth") != NULL || strstr(msg, "entity reference loop") != NULL;
    if (isRefusal && !e->refused) {
        e->refused = 1;
        strncpy(e->refusedMessage, msg, sizeof(e->refusedMessage) - 1);
        e->refusedMessage[sizeof(e->refusedMessage) - 1] = 0;
    }
    if (e->count++ > 0) return;
    e->code = err->code;
    e->line = err->line;
    e->column = err->int2;
    strncpy(e->message, msg, sizeof(e->message) - 1);
    e->message[sizeof(e->message) - 1] = 0;
}

/// Parses XML from memory with `options`, recording errors into `errors` through this context only.
/// Returns the document only when it is well-formed (NULL otherwise; see `errors`).
static inline xmlDocPtr cxml_read_xml(const char *buffer, int size, const char *url, int options, cxml_parse_errors *errors) {
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buffer, size);
    if (ctxt == NULL) return NULL;
    xmlCtxtUseOptions(ctxt, options);
    /* Never substitute, load or validate, whatever the process-wide defaults say. */
    ctxt->replaceEntities = 0;
    ctxt->loadsubset = 0;
    ctxt->validate = 0;
    if (url != NULL && ctxt->input != NULL && ctxt->input->filename == NULL)
        ctxt->input->filename = (char *)xmlStrdup((const xmlChar *)url);
    ctxt->_private = errors;
    ctxt->userData = ctxt;
    if (ctxt->sax != NULL) ctxt->sax->serror = cxml_record_error;
    xmlParseDocument(ctxt);
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (!ctxt->wellFormed && doc != NULL) { xmlFreeDoc(doc); doc = NULL; }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/// Parses HTML from memory with `htmlReadMemory` semantics, but errors are swallowed per context.
static inline htmlDocPtr cxml_read_html(const char *buffer, int size, const char *encoding, int options) {
    return htmlReadMemory(buffer, size, NULL, encoding, options);
}

static inline int cxml_is_element(xmlNodePtr n) { return n->type == XML_ELEMENT_NODE; }

/// Structured-error sink that drops the error (it stays in the context's lastError).
static void cxml_ignore_error(void *userData, xmlErrorPtr err) { (void)userData; (void)err; }

/// A private XPath context whose errors go to its lastError instead of stderr.
static inline xmlXPathContextPtr cxml_xpath_context(xmlDocPtr doc) {
    xmlXPathContextPtr c = xmlXPathNewContext(doc);
    if (c != NULL) { c->error = cxml_ignore_error; c->userData = NULL; }
    return c;
}
