/// The HTML element kinds the extractor cares about; everything else is `.other` (treated as inline).
enum Tag: UInt8 {
    case other = 0
    // dropped with their whole subtree
    case script, style, template, math, iframe, object, embed, canvas, head, select, button, input,
         textarea, option, map, audio, video, dialog, rt, rp
    // boilerplate containers (removed before scoring unless they hold the page's largest text block)
    case nav, aside, footer, header, form, menu, noscript
    // SVG: only its <text> survives (a diagram's labels), as separate lines
    case svg, svgText
    // structure
    case html, body, main, article, section, div, p, pre, blockquote, ul, ol, li, dl, dt, dd, table, thead, tbody,
         tfoot, tr, td, th, caption, h1, h2, h3, h4, h5, h6, hr, br, figure, figcaption, address, center, details,
         summary, fieldset, title, a, code, img, label, hgroup, span, font

    static let byName: [String: Tag] = {
        var d: [String: Tag] = [:]
        let names: [(String, Tag)] = [
            ("script", .script), ("style", .style), ("noscript", .noscript), ("template", .template), ("svg", .svg),
            ("text", .svgText), ("rt", .rt), ("rp", .rp),
            ("math", .math), ("iframe", .iframe), ("object", .object), ("embed", .embed), ("canvas", .canvas),
            ("head", .head), ("select", .select), ("button", .button), ("input", .input), ("textarea", .textarea),
            ("option", .option), ("map", .map), ("audio", .audio), ("video", .video), ("dialog", .dialog),
            ("nav", .nav), ("aside", .aside), ("footer", .footer), ("header", .header), ("form", .form), ("menu", .menu),
            ("html", .html), ("body", .body), ("main", .main), ("article", .article), ("section", .section), ("div", .div),
            ("p", .p), ("pre", .pre), ("blockquote", .blockquote), ("ul", .ul), ("ol", .ol), ("li", .li), ("dl", .dl),
            ("dt", .dt), ("dd", .dd), ("table", .table), ("thead", .thead), ("tbody", .tbody), ("tfoot", .tfoot),
            ("tr", .tr), ("td", .td), ("th", .th), ("caption", .caption), ("h1", .h1), ("h2", .h2), ("h3", .h3),
            ("h4", .h4), ("h5", .h5), ("h6", .h6), ("hr", .hr), ("br", .br), ("figure", .figure),
            ("figcaption", .figcaption), ("address", .address), ("center", .center), ("details", .details),
            ("summary", .summary), ("fieldset", .fieldset), ("title", .title), ("a", .a), ("code", .code), ("img", .img),
            ("label", .label), ("hgroup", .hgroup), ("span", .span), ("font", .font),
        ]
        for (n, t) in names { d[n] = t }
        return d
    }()

    /// Elements whose subtree never contributes text.
    var isDropped: Bool { rawValue >= Tag.script.rawValue && rawValue <= Tag.rp.rawValue }

    /// Block-level elements: text on either side of them belongs to different blocks.
    var isBlock: Bool {
        switch self {
        case .other, .a, .code, .img, .label, .span, .font, .br, .title: return false
        default: return true
        }
    }

    var isHeading: Bool { rawValue >= Tag.h1.rawValue && rawValue <= Tag.h6.rawValue }
}

/// Class / id / role vocabulary for boilerplate and content containers.
enum Vocabulary {
    /// Tokens (after splitting class and id on non-alphanumerics) that start with one of these mark boilerplate.
    static let negativePrefixes: [String] = [
        "nav", "menu", "footer", "sidebar", "breadcrumb", "cookie", "consent", "gdpr", "share", "sharing", "social",
        "comment", "related", "advert", "promo", "newsletter", "subscri", "popup", "modal", "banner", "sponsor",
        "widget", "pagination", "pager", "toolbar", "outbrain", "taboola", "recommend", "trending", "popular",
        "signup", "login", "masthead", "disqus", "skiplink", "byline", "author", "rating", "print", "email",
        "caption", "dateline", "recent", "excerpt", "teaser", "headerlink", "permalink", "anchorjs", "timestamp", "topbar", "bottombar", "sitemap", "copyright", "disclaimer", "jump",
    ]
    /// Prefixes of boilerplate that is never a wrapper of the main content, however much text it holds
    /// (comment threads, related-article lists, consent banners).
    static let strongNegativePrefixes: [String] = [
        "comment", "disqus", "related", "recommend", "recent", "cookie", "consent", "gdpr", "newsletter", "outbrain",
        "taboola", "footer", "excerpt", "teaser",
    ]
    /// Words distinctive enough to mark boilerplate anywhere inside a token ("newscaption", "postcomments").
    static let negativeInfixes: [String] = ["caption", "comment", "sidebar", "footer", "related", "advert", "cookie", "newsletter", "breadcrumb", "sponsor", "social"]
    /// Tokens that mark boilerplate only when they match exactly.
    static let negativeExact: Set<String> = [
        "ad", "ads", "adsbygoogle", "tags", "tag", "tagging", "meta", "header", "foot", "share",
        "sr", "skip", "more", "next", "prev", "previous", "aside", "tools", "tool", "utility", "utilities", "callout", "subnav", "follow", "shoutbox", "contact",
        "credit", "credits", "overlay", "sticky", "alert", "notice", "infobox", "toc", "date", "time", "published",
        "pubdate", "posted", "dates", "legal", "imprint", "privacy", "terms",
    ]
    /// Tokens that mark the main content.
    static let positivePrefixes: [String] = ["article", "content", "entry", "story", "post", "body", "blog", "prose", "main", "hentry"]

    /// Whole-block texts (lower case, letters and spaces only) that are always boilerplate.
    static let boilerplatePhrases: Set<String> = [
        "advertisement", "advert", "ad", "ads", "sponsored", "sponsored content", "skip to content", "skip to main content",
        "share", "share this", "share this article", "share this story", "tweet", "print", "email", "comments", "comment",
        "read more", "continue reading", "related", "related articles", "related stories", "related posts",
        "you may also like", "you might also like", "most popular", "most read", "don t miss", "see more", "more stories",
        "recommended", "recommended for you", "trending", "trending now", "subscribe", "sign up", "log in", "login",
        "follow us", "back to top", "next article", "previous article", "loading", "tell us what you think",
        "something to consider", "learn more", "video", "photos", "image", "top stories", "latest news", "also read",
    ]

    /// Lead-ins (normalised like `boilerplatePhrases`) of short link lines pointing elsewhere.
    static let linkLeadIns: [String] = [
        "related", "read more", "see more", "read also", "also read", "don t miss", "recommended", "trending now",
        "most read", "more from", "watch", "click here", "subscribe",
    ]

    /// Lead-ins (normalised like `boilerplatePhrases`) of a generator's colophon line ("This document was generated
    /// using makeinfo", "Created using Sphinx", "Generated by doxygen").
    static let colophonLeadIns: [String] = [
        "this document was generated", "this page was generated", "generated on", "created using",
        "built with", "page generated",
    ]

    static let negativeRoles: Set<String> = ["navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog", "alert", "alertdialog", "toolbar", "tablist"]
}
