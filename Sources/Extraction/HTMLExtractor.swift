import CXML2
import DomainForgeCore

/// Main-content extraction from raw HTML.
///
/// The page is decoded (a forced charset, then BOM, then the declared charset, then `<meta>` charset, then UTF-8
/// validation, then uchardet's guess with a Windows-1252 fallback; labels mean what the WHATWG Encoding Standard says,
/// so `gb2312` decodes as GB18030; invalid bytes become U+FFFD and are counted) and parsed with libxml2's forgiving HTML parser. Scripts,
/// styles, forms, navigation, headers, footers, asides and elements whose class/id/role mark boilerplate
/// (menus, sidebars, cookie banners, share bars, comments, related links, ads...) are removed; paragraphs are
/// scored by length, commas and link density, their scores flow to ancestors, and the best-scoring container
/// (plus sibling blocks that look like content) is rendered as text, pruning link lists and boilerplate inside.
///
/// Output text: blocks separated by a blank line, list items and table rows on their own lines (cells joined by
/// `" | "`), whitespace collapsed except inside `<pre>`.
///
/// Thread safety: the value is immutable; each call parses into its own document, so one extractor can be used
/// from several threads at once.
public struct HTMLExtractor: Sendable {
    public struct Options: Sendable {
        /// Keep tables inside the main content (rows on their own lines).
        public var includeTables: Bool = true
        /// Put the page title first when the content has no `<h1>` of its own. When false, the content's first
        /// `<h1>` (the headline) is left out as well, so the text is the article body alone.
        public var includeTitle: Bool = true
        /// Output everything visible in `<body>` (minus scripts, styles and hidden elements), without main-content selection.
        public var wholePage: Bool = false
        /// Pages whose content is a list of links (tables of contents, indexes, sitemaps) become list documents of
        /// their entries. When false, link lists are pruned as navigation everywhere.
        public var linkListPages: Bool = true
        /// Fill `HTMLExtraction.blocks` with the score and verdict of every block (slower; for `extract --debug`).
        public var explain: Bool = false
        public init(includeTables: Bool = true, includeTitle: Bool = true, wholePage: Bool = false, linkListPages: Bool = true) {
            self.includeTables = includeTables; self.includeTitle = includeTitle; self.wholePage = wholePage
            self.linkListPages = linkListPages
        }
    }
    public let options: Options
    public init(options: Options = .init()) { self.options = options; LibXML.ensureInitialized() }

    /// Extracts the main content of one HTML page. Throws `ExtractionError.notHTML` for binary garbage.
    /// `declaredCharset` is a charset from outside the bytes (an HTTP `Content-Type` header); a BOM still wins.
    /// `forcedCharset` (the input's `encoding:`) wins over everything, the BOM included.
    public func extract(_ bytes: UnsafeRawBufferPointer, declaredCharset: String? = nil,
                        forcedCharset: TextDecoding.Charset? = nil) throws(ExtractionError) -> HTMLExtraction {
        LibXML.ensureInitialized()
        if bytes.isEmpty { return HTMLExtraction(title: nil, text: "", charset: "utf-8") }
        guard bytes.count < Int(Int32.max) else { throw .notHTML("the file is larger than 2 GiB") }
        try HTMLSniffer.rejectBinary(bytes)
        let decoded = HTMLSniffer.decode(bytes, declaredCharset: declaredCharset, forced: forcedCharset)
        let options = LibXML.bits(HTML_PARSE_RECOVER) | LibXML.bits(HTML_PARSE_NOERROR) | LibXML.bits(HTML_PARSE_NOWARNING)
            | LibXML.bits(HTML_PARSE_NONET) | LibXML.bits(HTML_PARSE_COMPACT) | LibXML.bits(HTML_PARSE_IGNORE_ENC)
            | LibXML.bits(HTML_PARSE_NOBLANKS)
            // Without HUGE, libxml2 drops everything from the 256th nesting level to the end of the page (silently,
            // as errors are off). The page tree is built without recursion, so any depth is safe to keep.
            | LibXML.bits(XML_PARSE_HUGE)
        let doc: htmlDocPtr? = decoded.withBytes { raw in
            guard raw.count > 0 else { return nil }
            return decoded.libxmlEncoding.withCString { enc in
                cxml_read_html(raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count), enc, options)
            }
        }
        guard let doc else { return HTMLExtraction(title: nil, text: "", charset: decoded.charset, replacedBytes: decoded.replacedBytes) }
        defer { xmlFreeDoc(doc) }
        var page = PageTree()
        page.build(from: doc, inputBytes: bytes.count)
        let (title, text) = page.extract(options: self.options)
        var r = HTMLExtraction(title: title, text: text, charset: decoded.charset, replacedBytes: decoded.replacedBytes)
        let d = page.decision
        if d.container >= 0 {
            r.container = page.describe(d.container) + " (line \(page.nodes[d.container].line))"
            r.containerScore = (Double(d.score) * 100).rounded() / 100
            r.rule = d.rule
        }
        if self.options.explain { r.blocks = page.blockVerdicts(roots: d.roots) }
        return r
    }

    /// Convenience for byte arrays.
    public func extract(_ bytes: [UInt8], declaredCharset: String? = nil,
                        forcedCharset: TextDecoding.Charset? = nil) throws(ExtractionError) -> HTMLExtraction {
        let r = bytes.withUnsafeBytes { raw in
            Result { () throws(ExtractionError) in try extract(raw, declaredCharset: declaredCharset, forcedCharset: forcedCharset) }
        }
        return try r.get()
    }
}

/// The result of extracting one page.
public struct HTMLExtraction: Sendable, Equatable {
    /// The page title (`<title>`, else first `<h1>`), if any.
    public var title: String?
    /// Main content as plain text: blocks separated by blank lines, list items on their own lines.
    public var text: String
    /// The charset the bytes were decoded with (lower case, e.g. `utf-8`, `windows-1252`).
    public var charset: String
    /// Bytes that could not be decoded in that charset and became U+FFFD.
    public var replacedBytes: Int
    /// The element the main content was taken from (`tag#id.class (line N)`), when one was chosen.
    public var container: String?
    /// That container's score (paragraph scores flowed up, times one minus its link density).
    public var containerScore: Double?
    /// The rule that chose it: `landmark`, `best-scoring block`, `link-list page`, `no paragraph: body`...
    public var rule: String?
    /// With `Options.explain`: every block's score and verdict, in page order.
    public var blocks: [HTMLBlockVerdict]?
    public init(title: String?, text: String, charset: String, replacedBytes: Int = 0) {
        self.title = title; self.text = text; self.charset = charset; self.replacedBytes = replacedBytes
    }
}

/// Charset detection and binary rejection for HTML bytes.
enum HTMLSniffer {
    /// Bytes ready for libxml2: either the original buffer or a converted UTF-8 copy.
    struct Decoded {
        var owned: [UInt8]?
        var original: UnsafeRawBufferPointer
        var charset: String
        var libxmlEncoding: String
        var replacedBytes = 0
        func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            if let owned { return owned.withUnsafeBytes(body) }
            return body(original)
        }
    }

    /// Throws `.notHTML` when the start of the file looks like binary data (NUL bytes or many control bytes).
    static func rejectBinary(_ b: UnsafeRawBufferPointer) throws(ExtractionError) {
        if b.count >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) { return }  // UTF-16 BOM
        if bomlessUTF16(b) != nil { return }
        let n = min(b.count, 8192)
        var nul = 0, ctrl = 0
        for i in 0..<n {
            let c = b[i]
            if c == 0 { nul += 1 } else if c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B) || c == 0x7F { ctrl += 1 }
        }
        if nul > 0 && nul * 200 > n {
            throw .notHTML("\(nul) NUL bytes in the first \(n) bytes: this is binary data, not an HTML page")
        }
        if ctrl * 20 > n {
            throw .notHTML("\(ctrl) control bytes in the first \(n) bytes: this is binary data, not an HTML page")
        }
    }

    /// UTF-16 without a byte-order mark, recognised by markup: nearly every other byte of the start is NUL and the
    /// first character is `<` or whitespace; or, for a page whose text outweighs its markup (Chinese, Japanese),
    /// the text decoder's check (``TextDecoding/utf16WithoutBOM(_:)``) with `<` or whitespace first. Returns the
    /// charset, or nil.
    static func bomlessUTF16(_ b: UnsafeRawBufferPointer) -> TextDecoding.Charset? {
        let n = min(b.count, 1024) & ~1
        guard n >= 8 else { return nil }
        // UTF-16 markup puts NUL bytes in the start: a page without any is not looked at further.
        guard UnsafeRawBufferPointer(rebasing: b[0..<n]).contains(0) else { return nil }
        if let order = TextDecoding.utf16WithoutBOM(b) {
            let first = order == .utf16le ? (b[0], b[1]) : (b[1], b[0])
            if first.1 == 0 && (first.0 == 0x3C || first.0 == 0x20 || first.0 == 0x0A || first.0 == 0x0D) { return order }
        }
        var zeroEven = 0, zeroOdd = 0
        for i in stride(from: 0, to: n, by: 2) {
            if b[i] == 0 { zeroEven += 1 }
            if b[i + 1] == 0 { zeroOdd += 1 }
        }
        let pairs = n / 2
        if zeroOdd * 10 >= pairs * 9 && zeroEven * 10 < pairs && (b[0] == 0x3C || b[0] == 0x20 || b[0] == 0x0A || b[0] == 0x0D) { return .utf16le }
        if zeroEven * 10 >= pairs * 9 && zeroOdd * 10 < pairs && (b[1] == 0x3C || b[1] == 0x20 || b[1] == 0x0A || b[1] == 0x0D) { return .utf16be }
        return nil
    }

    /// Decides the charset and produces bytes libxml2 can parse without meeting invalid sequences.
    static func decode(_ b: UnsafeRawBufferPointer, declaredCharset: String?, forced: TextDecoding.Charset? = nil) -> Decoded {
        // 0. forced by the input's `encoding:`
        if let forced { return converted(b, as: forced) }
        // 1. BOM
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
            return utf8(UnsafeRawBufferPointer(rebasing: b[3...]))
        }
        if b.count >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) {
            let (text, cs) = TextDecoding.decode(b)
            return Decoded(owned: Array(text.utf8), original: b, charset: cs.rawValue, libxmlEncoding: "UTF-8")
        }
        if let cs = bomlessUTF16(b) {
            return Decoded(owned: Array(TextDecoding.decode(b, as: cs).utf8), original: b, charset: cs.rawValue, libxmlEncoding: "UTF-8")
        }
        // 2. declared (HTTP header), 3. <meta> in the first 4 KiB
        let label = declaredCharset.flatMap { cleanLabel($0) } ?? metaCharset(b)
        if let label, let d = declared(b, label: label) { return d }
        // 4. sniff: valid UTF-8, else uchardet's guess, else Windows-1252.
        return utf8(b)
    }

    /// The page decoded as its label says, or nil when the label is unusable (unknown, UTF-16 on a page without
    /// BOM) or wrong (a legacy label on valid UTF-8, or more than 2% of the non-ASCII bytes invalid in it).
    private static func declared(_ b: UnsafeRawBufferPointer, label: String) -> Decoded? {
        guard let cs = TextDecoding.charset(named: label) else {
            // Another charset iconv knows (iso-8859-3, ...): converted here, so that invalid bytes become U+FFFD
            // instead of stopping libxml2's decoder mid-page.
            guard !TextDecoding.isValidUTF8(b), let utf8 = Iconv.toUTF8(b, from: label) else { return nil }
            return Decoded(owned: utf8, original: b, charset: label, libxmlEncoding: "UTF-8")
        }
        switch cs {
        case .utf8: return utf8(b)
        case .utf16le, .utf16be: return nil  // a UTF-16 label on a page without BOM that reads as ASCII is mislabelled
        case .windows1252, .latin1:
            if TextDecoding.isValidUTF8(b) && hasNonASCII(b) { return utf8(b) }  // mislabelled UTF-8 is common
            return converted(b, as: .windows1252)
        case .iso2022jp:
            // Seven-bit: valid UTF-8 by construction, so the escapes decide.
            return TextDecoding.looksLikeISO2022(b) ? converted(b, as: cs) : utf8(b)
        default:
            if TextDecoding.isValidUTF8(b) { return utf8(b) }
            let d = converted(b, as: cs)
            return labelLooksWrong(b, d) ? nil : d
        }
    }

    /// A declaration is taken as wrong when, on a page with at least 64 non-ASCII bytes, more than 2% of them are
    /// invalid in the declared charset and uchardet's charset decodes the page with fewer invalid bytes.
    private static func labelLooksWrong(_ b: UnsafeRawBufferPointer, _ d: Decoded) -> Bool {
        let nonASCII = b.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) }
        guard nonASCII >= 64, d.replacedBytes * 50 > nonASCII else { return false }
        let detected = TextDecoding.detectLegacy(b)
        return detected.source == "detected" && detected.replacedBytes < d.replacedBytes
    }

    /// The page converted from `cs` to UTF-8.
    private static func converted(_ b: UnsafeRawBufferPointer, as cs: TextDecoding.Charset) -> Decoded {
        if cs == .utf8 { return utf8(b) }
        let d = TextDecoding.decodeCounted(b, as: cs)
        return Decoded(owned: Array(d.text.utf8), original: b, charset: cs == .latin1 ? "windows-1252" : cs.rawValue,
                       libxmlEncoding: "UTF-8", replacedBytes: d.replaced)
    }

    /// UTF-8 when valid; with invalid sequences, UTF-8 (bad bytes become U+FFFD) if valid multi-byte sequences
    /// outnumber invalid ones (a damaged UTF-8 page), else the charset uchardet detects, else Windows-1252.
    private static func utf8(_ b: UnsafeRawBufferPointer) -> Decoded {
        let (invalid, valid) = TextDecoding.utf8Sequences(b)
        if invalid == 0 && valid == 0 && TextDecoding.looksLikeISO2022(b) && CharsetDetector.detect(b) == .iso2022jp {
            return converted(b, as: .iso2022jp)  // seven-bit ISO-2022-JP reads as ASCII
        }
        if invalid == 0 { return Decoded(owned: nil, original: b, charset: "utf-8", libxmlEncoding: "UTF-8") }
        if valid > invalid {
            return Decoded(owned: Array(String(decoding: b, as: UTF8.self).utf8), original: b, charset: "utf-8",
                           libxmlEncoding: "UTF-8", replacedBytes: invalid)
        }
        let d = TextDecoding.detectLegacy(b)
        return Decoded(owned: Array(d.text.utf8), original: b, charset: d.charset.rawValue, libxmlEncoding: "UTF-8",
                       replacedBytes: d.replacedBytes)
    }

    static func hasNonASCII(_ b: UnsafeRawBufferPointer) -> Bool { b.contains { $0 >= 0x80 } }

    private static func cleanLabel(_ s: String) -> String? {
        var t = s.lowercased().trimmingASCIIWhitespace()
        if let r = t.firstRange(of: "charset=") { t = String(t[r.upperBound...]) }
        t = String(t.prefix { $0 != ";" && $0 != " " && $0 != "\"" && $0 != "'" })
        return t.isEmpty ? nil : t
    }

    /// Finds `charset=` in a `<meta>` tag within the first 4 KiB.
    static func metaCharset(_ b: UnsafeRawBufferPointer) -> String? {
        let n = min(b.count, 4096)
        var i = 0
        @inline(__always) func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }
        func matches(_ at: Int, _ word: StaticString) -> Bool {
            let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            if at + w.count > n { return false }
            for k in 0..<w.count where lower(b[at + k]) != w[k] { return false }
            return true
        }
        while i < n {
            if b[i] == 0x3C, matches(i + 1, "meta") {  // "<meta"
                var j = i + 5
                while j < n && b[j] != 0x3E {
                    if matches(j, "charset") {
                        var k = j + 7
                        while k < n && (b[k] == 0x20 || b[k] == 0x09) { k += 1 }
                        if k < n && b[k] == 0x3D {  // '='
                            k += 1
                            while k < n && (b[k] == 0x20 || b[k] == 0x22 || b[k] == 0x27) { k += 1 }
                            var e = k
                            while e < n, b[e] != 0x22, b[e] != 0x27, b[e] != 0x3B, b[e] != 0x3E, b[e] != 0x20, b[e] != 0x2F { e += 1 }
                            if e > k {
                                return String(decoding: UnsafeRawBufferPointer(rebasing: b[k..<e]), as: UTF8.self).lowercased()
                            }
                        }
                    }
                    j += 1
                }
                i = j
            }
            i += 1
        }
        return nil
    }
}
