/// The page title without the site's banner.
extension PageTree {
    /// Separators between a site banner and the page's own title ("Project: Class List").
    private static let bannerSeparators = [": ", " - ", " | ", " — ", " – ", " :: "]

    /// Principle: the page's top region (a masthead removed as boilerplate before the content) names the site; a
    /// title that begins with that name and a separator is "Site: Page", and the page's own title is the rest
    /// (Doxygen's "Project: File Members"). Titles that do not begin with the banner are returned unchanged.
    func titleWithoutBanner(_ title: String, contentStart: Int) -> String {
        guard let banner = bannerText(before: contentStart), title.hasPrefix(banner) else { return title }
        let rest = title.dropFirst(banner.count)
        for s in Self.bannerSeparators where rest.hasPrefix(s) {
            let own = rest.dropFirst(s.count).trimmingPrefix(while: { $0 == " " })
            return own.count >= 2 ? String(own) : title
        }
        return title
    }

    /// The visible text (whitespace collapsed) of the first outermost removed element before node `limit` that
    /// holds 2 to 80 characters: a masthead or project banner.
    func bannerText(before limit: Int) -> String? {
        var i = 0
        while i < min(limit, nodes.count) {
            let n = nodes[i]
            if n.isText || n.flags & Self.fRemoved == 0 || n.flags & Self.fHidden != 0 { i += 1; continue }
            if n.rawChars < 2 { i = Int(n.end); continue }
            guard n.rawChars <= 80 else { return nil }
            var words: [String] = []
            for j in i..<Int(n.end) where nodes[j].isText && nodes[j].chars > 0 && nodes[j].flags & Self.fHidden == 0 {
                let t = nodes[j]
                let s = buf[Int(t.textStart)..<Int(t.textStart + t.textCount)]
                words += String(decoding: s, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" }).map(String.init)
            }
            return words.isEmpty ? nil : words.joined(separator: " ")
        }
        return nil
    }
}
