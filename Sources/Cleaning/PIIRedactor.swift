import DomainForgeCore

/// Replaces e-mail addresses, IP addresses, phone numbers, Chinese resident IDs and bank card numbers with
/// placeholders (`pii`). Never drops. Counters (one per replacement): `pii_email`, `pii_idn_email`, `pii_ip`,
/// `pii_phone`, `pii_cn_mobile`, `pii_cn_landline`, `pii_cn_id`, `pii_bank_card`.
///
/// Hand-written matchers over UTF-8 bytes (no regex engine), built to avoid false positives on numbers that
/// are not contact data:
/// - **E-mail**: `local@domain.tld` with local part `[A-Za-z0-9._%+-]` (not starting or ending with `.`), a domain
///   of dot-separated labels `[A-Za-z0-9-]` and an alphabetic TLD of 2+ letters. With `keep_example_emails` (default)
///   addresses at the reserved documentation domains are kept: `example.com`/`.org`/`.net` and their subdomains,
///   and the TLDs `.example`, `.test`, `.invalid`, `.localhost` (RFC 2606).
/// - **IPv4**: four decimal parts 0-255 without leading zeros, not inside a longer dotted number (`1.2.3.4.5`) and not
///   glued to letters (`v1.2.3.4`). Four single-digit parts (`1.2.3.4`, section `3.1.4.1`) are left alone: they are
///   far more often section or version numbers, and the real addresses of that shape are public DNS resolvers.
/// - **IPv6**: 8 colon-separated groups of 1-4 hex digits, or fewer with one `::`; times (`12:30:45`) and MAC
///   addresses (6 groups) do not match.
/// - With `only_public_ips` (default, as datatrove) only public addresses are replaced: not 0/8, 10/8, 100.64/10,
///   127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24,
///   224/4 (multicast), 240/4; for IPv6 only global unicast 2000::/3 outside the documentation prefix 2001:db8::/32.
/// - **Phone**: North American numbers `(555) 123-4567`, `555-123-4567`, `555.123.4567`, `555 123 4567`,
///   `1-555-123-4567` (the area code starts with 2-9; the two separators of the dashed/dotted/spaced forms
///   must agree), and international numbers starting with `+`: `+44 20 7946 0958`, `+1 (555) 123-4567`,
///   `+44 (0)20 7946 0958`, `+33 1 23 45 67 89`, `+4915112345678` (8-15 digits in all, groups separated by one space,
///   dash or dot). Not matched, on purpose: bare digit runs (`5551234567` could be an ISBN-10 or an id), 7-digit
///   local numbers, years (`1999 2000`), dates (`2023-10-05`, `12.05.2023`), ISBNs (`978-0-306-40615-7`) and
///   version numbers.
/// - **IDN e-mail** (`pii_idn_email`): when the ASCII form does not match, a local part and a domain that may hold
///   letters of any script (`王五@医院.中国`): dot-separated labels, the last one 2+ ASCII letters or 1+ non-ASCII
///   letters; the local part is at most 64 bytes (RFC 5321).
/// - **Chinese numbers** (see `ChinesePII`): mainland mobiles and landlines (`<PHONE>`, with `redact_phones`),
///   resident IDs checked by ISO 7064 MOD 11-2 and birth date (`<ID_NUMBER>`, `redact_ids`), bank cards of 16-19
///   digits with a network prefix and the Luhn check (`<CARD_NUMBER>`, `redact_cards`). A number directly after
///   `:` (`电话:13812345678`) is taken when it is a mobile, ID or card, which no time or IPv6 address can be.
public struct PIIRedactor: CleaningStage {
    public static let type = "pii"
    public var name: String { Self.type }

    public struct Options: StageOptions {
        public var redactEmails: Bool = true
        public var redactIPs: Bool = true
        public var redactPhones: Bool = true
        public var emailPlaceholder: String = "<EMAIL>"
        public var ipPlaceholder: String = "<IP_ADDRESS>"
        public var phonePlaceholder: String = "<PHONE>"
        public var onlyPublicIPs: Bool = true
        public var keepExampleEmails: Bool = true
        public var redactIDs: Bool = true
        public var redactCards: Bool = true
        public var idPlaceholder: String = "<ID_NUMBER>"
        public var cardPlaceholder: String = "<CARD_NUMBER>"

        public init() {}

        public enum CodingKeys: String, CodingKey, CaseIterable {
            case redactEmails = "redact_emails"
            case redactIPs = "redact_ips"
            case redactPhones = "redact_phones"
            case emailPlaceholder = "email_placeholder"
            case ipPlaceholder = "ip_placeholder"
            case phonePlaceholder = "phone_placeholder"
            case onlyPublicIPs = "only_public_ips"
            case keepExampleEmails = "keep_example_emails"
            case redactIDs = "redact_ids"
            case redactCards = "redact_cards"
            case idPlaceholder = "id_placeholder"
            case cardPlaceholder = "card_placeholder"
        }
    }

    enum Kind: Int, CaseIterable {
        case email, ip, phone, cnMobile, cnLandline, residentID, bankCard, idnEmail

        /// The stats counter of this kind.
        var counter: String {
            ["pii_email", "pii_ip", "pii_phone", "pii_cn_mobile", "pii_cn_landline", "pii_cn_id", "pii_bank_card", "pii_idn_email"][rawValue]
        }
    }

    struct Match {
        var start: Int
        var end: Int
        var kind: Kind
    }

    /// The stage's schema: each option's type, range and meaning (defaults: `Options()`).
    public static let schema = StageSchema("Redact e-mail addresses (IDN included), IP addresses, phone numbers (Chinese mobiles and landlines included), Chinese resident IDs and bank card numbers with placeholders (counters pii_email, pii_idn_email, pii_ip, pii_phone, pii_cn_mobile, pii_cn_landline, pii_cn_id, pii_bank_card). Never drops.", keys: Options.CodingKeys.self, [
        .bool(.redactEmails, "Redact e-mail addresses."),
        .bool(.redactIPs, "Redact IPv4 and IPv6 addresses."),
        .bool(.redactPhones, "Redact North American and international (+) phone numbers, and Chinese mobiles and landlines."),
        .string(.emailPlaceholder, "Replacement for e-mail addresses."),
        .string(.ipPlaceholder, "Replacement for IP addresses."),
        .string(.phonePlaceholder, "Replacement for phone numbers."),
        .bool(.onlyPublicIPs, "Redact only public addresses (not private, loopback, link-local, documentation or reserved ranges)."),
        .bool(.keepExampleEmails, "Keep addresses at example.com/.org/.net and the .example, .test, .invalid, .localhost TLDs."),
        .bool(.redactIDs, "Redact Chinese resident IDs: 18 characters with a valid ISO 7064 MOD 11-2 check character and birth date, or 15 digits with a valid date."),
        .bool(.redactCards, "Redact bank card numbers: 16-19 digits (bare or in groups of four) with a card network prefix and a valid Luhn check."),
        .string(.idPlaceholder, "Replacement for resident IDs."),
        .string(.cardPlaceholder, "Replacement for bank card numbers."),
    ])

    public let options: Options
    private let placeholders: [[UInt8]]

    public init(options: Options = .init()) {
        self.options = options
        placeholders = [options.emailPlaceholder, options.ipPlaceholder, options.phonePlaceholder, options.phonePlaceholder,
                        options.phonePlaceholder, options.idPlaceholder, options.cardPlaceholder, options.emailPlaceholder].map { Array($0.utf8) }
    }

    public func process(_ document: inout Document, counters: inout StageCounters) -> StageVerdict {
        let o = options
        if !o.redactEmails && !o.redactIPs && !o.redactPhones && !o.redactIDs && !o.redactCards { return .keep }
        var matches = [Match]()
        var replaced: String?
        document.text.withUTF8 { p in
            findMatches(p, into: &matches)
            guard !matches.isEmpty else { return }
            var extra = 0
            for m in matches { extra += max(0, placeholders[m.kind.rawValue].count - (m.end - m.start)) }
            replaced = String(unsafeUninitializedCapacity: p.count + extra) { out in
                var w = 0
                var last = 0
                for m in matches {
                    for k in last..<m.start { out[w] = p[k]; w += 1 }
                    for b in placeholders[m.kind.rawValue] { out[w] = b; w += 1 }
                    last = m.end
                }
                for k in last..<p.count { out[w] = p[k]; w += 1 }
                return w
            }
        }
        guard let replaced else { return .keep }
        document.text = replaced
        var perKind = [Int](repeating: 0, count: Kind.allCases.count)
        for m in matches { perKind[m.kind.rawValue] += 1 }
        for k in Kind.allCases where perKind[k.rawValue] > 0 { counters.add(k.counter, perKind[k.rawValue]) }
        return .keep
    }

    /// All matches in text order, non-overlapping.
    func findMatches(_ p: UnsafeBufferPointer<UInt8>, into matches: inout [Match]) {
        let o = options
        let n = p.count
        // E-mails first: anchored at '@'.
        var emails = [Match]()
        if o.redactEmails {
            var i = 0
            var after = 0  // no e-mail may start before the end of the previous one
            while i < n {
                if p[i] == 0x40, let m = matchEmail(p, at: i, notBefore: after) ?? matchIDNEmail(p, at: i, notBefore: after) {
                    after = m.end
                    if !(o.keepExampleEmails && isExampleDomain(p, m)) { emails.append(m) }
                    i = m.end
                    continue
                }
                i += 1
            }
        }
        guard o.redactIPs || o.redactPhones || o.redactIDs || o.redactCards else { matches = emails; return }
        var emailIndex = 0
        var i = 0
        while i < n {
            // Skip e-mail spans.
            if emailIndex < emails.count && i >= emails[emailIndex].start {
                matches.append(emails[emailIndex])
                i = emails[emailIndex].end
                emailIndex += 1
                continue
            }
            let b = p[i]
            let startable = isASCIIAlnum(b) || b == 0x2B || b == 0x28 || b == 0x3A  // alnum + ( :
            if !startable { i += 1; continue }
            let prev: UInt8 = i > 0 ? p[i - 1] : 0x20
            let continuesNumber = (prev == 0x2D || prev == 0x2F) && i >= 2 && isASCIIDigit(p[i - 2])
            // (A non-ASCII neighbour is a boundary: CJK text puts numbers right after words.)
            if isASCIIAlnum(prev) || prev == 0x2E || prev == 0x2B || prev == 0x5F || prev == 0x40 || prev == 0x3A
                || continuesNumber {
                if prev == 0x3A, let m = chineseMatch(p, i, emailIndex < emails.count ? emails[emailIndex].start : n), m.kind != .cnLandline {
                    matches.append(m)
                    i = m.end
                    continue
                }
                // Inside a token: skip the rest of the alphanumeric run.
                i += 1
                while i < n && isASCIIAlnum(p[i]) { i += 1 }
                continue
            }
            let limit = emailIndex < emails.count ? emails[emailIndex].start : n
            if isASCIIDigit(b) || b == 0x2B || b == 0x28, let m = chineseMatch(p, i, limit) {
                matches.append(m)
                i = m.end
                continue
            }
            if o.redactIPs {
                if isASCIIDigit(b), let (end, isPublic, valid) = matchIPv4(p, i, limit), valid {
                    if isPublic || !o.onlyPublicIPs { matches.append(Match(start: i, end: end, kind: .ip)) }
                    i = end
                    continue
                }
                if isASCIIHexDigit(b) || b == 0x3A, let (end, isPublic) = matchIPv6(p, i, limit) {
                    if isPublic || !o.onlyPublicIPs { matches.append(Match(start: i, end: end, kind: .ip)) }
                    i = end
                    continue
                }
            }
            if o.redactPhones && (isASCIIDigit(b) || b == 0x2B || b == 0x28), let end = matchPhone(p, i, limit) {
                matches.append(Match(start: i, end: end, kind: .phone))
                i = end
                continue
            }
            i += 1
            if b == 0x3A { continue }  // a number after ':' gets its own look (`电话:13812345678`)
            while i < n && isASCIIAlnum(p[i]) { i += 1 }
        }
    }

    /// A Chinese mobile, landline, resident ID or bank card at `i` whose kind is enabled.
    func chineseMatch(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Match? {
        guard let (end, kind) = ChinesePII.match(p, i, limit) else { return nil }
        switch kind {
        case .mobile: return options.redactPhones ? Match(start: i, end: end, kind: .cnMobile) : nil
        case .landline: return options.redactPhones ? Match(start: i, end: end, kind: .cnLandline) : nil
        case .residentID: return options.redactIDs ? Match(start: i, end: end, kind: .residentID) : nil
        case .bankCard: return options.redactCards ? Match(start: i, end: end, kind: .bankCard) : nil
        }
    }

    // MARK: E-mail

    @inline(__always) static func isLocalChar(_ b: UInt8) -> Bool {
        isASCIIAlnum(b) || b == 0x2E || b == 0x5F || b == 0x25 || b == 0x2B || b == 0x2D
    }

    func matchEmail(_ p: UnsafeBufferPointer<UInt8>, at: Int, notBefore: Int) -> Match? {
        let n = p.count
        var s = at
        while s > notBefore && Self.isLocalChar(p[s - 1]) { s -= 1 }
        while s < at && p[s] == 0x2E { s += 1 }
        guard s < at, p[at - 1] != 0x2E else { return nil }
        var e = at + 1
        while e < n && (isASCIIAlnum(p[e]) || p[e] == 0x2E || p[e] == 0x2D) { e += 1 }
        while e > at + 1 && (p[e - 1] == 0x2E || p[e - 1] == 0x2D) { e -= 1 }
        // Labels: non-empty, no leading/trailing '-', at least two, alphabetic TLD of 2+.
        var labels = 0
        var labelStart = at + 1
        var k = at + 1
        while k <= e {
            if k == e || p[k] == 0x2E {
                if k == labelStart || p[labelStart] == 0x2D || p[k - 1] == 0x2D { return nil }
                labels += 1
                if k == e {
                    if k - labelStart < 2 { return nil }
                    for t in labelStart..<k where !isASCIILetter(p[t]) { return nil }
                }
                labelStart = k + 1
            }
            k += 1
        }
        guard labels >= 2 else { return nil }
        return Match(start: s, end: e, kind: .email)
    }

    static let exampleDomains = ["example.com", "example.org", "example.net"].map { Array($0.utf8) }
    static let exampleTLDs = ["example", "test", "invalid", "localhost"].map { Array($0.utf8) }

    func isExampleDomain(_ p: UnsafeBufferPointer<UInt8>, _ m: Match) -> Bool {
        var at = m.start
        while p[at] != 0x40 { at += 1 }
        let domain = (at + 1..<m.end).map { asciiLower(p[$0]) }
        func hasSuffix(_ s: [UInt8]) -> Bool {
            domain.count >= s.count && Array(domain[(domain.count - s.count)...]) == s
                && (domain.count == s.count || domain[domain.count - s.count - 1] == 0x2E)
        }
        return Self.exampleDomains.contains(where: hasSuffix) || Self.exampleTLDs.contains(where: hasSuffix)
    }

    // MARK: Phone

    func matchPhone(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int? {
        // Cheap shape check before collecting groups (most numbers in text are not phone-shaped).
        if isASCIIDigit(p[i]) {
            var k = i
            while k < limit && isASCIIDigit(p[k]) { k += 1 }
            let len = k - i
            guard len == 1 || len == 3, k + 1 < limit, p[k] == 0x20 || p[k] == 0x2D || p[k] == 0x2E,
                  isASCIIDigit(p[k + 1]) || p[k + 1] == 0x28 else { return nil }
        } else if p[i] == 0x28 {
            guard i + 4 < limit, isASCIIDigit(p[i + 1]), isASCIIDigit(p[i + 2]), isASCIIDigit(p[i + 3]),
                  p[i + 4] == 0x29 else { return nil }
        }
        var j = i
        var plus = false
        if p[j] == 0x2B {
            plus = true
            j += 1
            guard j < limit, isASCIIDigit(p[j]) else { return nil }
        }
        // Groups of digits: length, first digit, whether parenthesized, separator before, end offset.
        var lens = [Int](), firsts = [UInt8](), parens = [Bool](), seps = [UInt8](), ends = [Int]()
        var sep: UInt8 = 0
        while lens.count < 8 && j < limit {
            var k = j
            var paren = false
            if p[k] == 0x28 { paren = true; k += 1 }
            let s = k
            while k < limit && isASCIIDigit(p[k]) && k - s < 13 { k += 1 }
            let len = k - s
            guard len > 0 else { break }
            if paren {
                guard k < limit, p[k] == 0x29 else { break }
                k += 1
            }
            lens.append(len); firsts.append(p[s]); parens.append(paren); seps.append(sep); ends.append(k)
            j = k
            // Separator to the next group.
            guard j < limit else { break }
            let b = p[j]
            if (b == 0x20 || b == 0x2D || b == 0x2E) && j + 1 < limit && (isASCIIDigit(p[j + 1]) || p[j + 1] == 0x28) {
                sep = b
                j += 1
            } else if b == 0x28 || (paren && isASCIIDigit(b)) {
                sep = 0
            } else {
                break
            }
        }
        guard !lens.isEmpty else { return nil }
        // Longest valid prefix that ends before a space (or at the end of the groups).
        var count = lens.count
        while count > 0 {
            if count == lens.count || seps[count] == 0x20 {
                let end = ends[count - 1]
                if endBoundaryOK(p, end) && (plus
                    ? Self.validInternational(lens[..<count], parens[..<count])
                    : Self.validNANP(lens[..<count], firsts[..<count], parens[..<count], seps[..<count])) {
                    return end
                }
            }
            count -= 1
        }
        return nil
    }

    @inline(__always) func endBoundaryOK(_ p: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        guard end < p.count else { return true }
        let b = p[end]
        if isASCIIAlnum(b) { return false }
        if (b == 0x2D || b == 0x2E || b == 0x2F) && end + 1 < p.count && isASCIIDigit(p[end + 1]) { return false }
        return true
    }

    static func validNANP(_ lens: ArraySlice<Int>, _ firsts: ArraySlice<UInt8>, _ parens: ArraySlice<Bool>,
                          _ seps: ArraySlice<UInt8>) -> Bool {
        var lens = Array(lens), firsts = Array(firsts), parens = Array(parens), seps = Array(seps)
        if lens.count == 4 {
            // Leading country code 1.
            guard lens[0] == 1, firsts[0] == 0x31, !parens[0], seps[1] != 0 else { return false }
            lens.removeFirst(); firsts.removeFirst(); parens.removeFirst(); seps.removeFirst()
        }
        guard lens == [3, 3, 4], !parens[1], !parens[2] else { return false }
        guard firsts[0] >= 0x32 else { return false }
        if parens[0] {
            return seps[1] == 0 || seps[1] == 0x20 || seps[1] == 0x2D
        }
        return seps[1] != 0 && seps[1] == seps[2]
    }

    static func validInternational(_ lens: ArraySlice<Int>, _ parens: ArraySlice<Bool>) -> Bool {
        let total = lens.reduce(0, +)
        guard total >= 8, total <= 15 else { return false }
        guard !parens[parens.startIndex] else { return false }
        if lens.count > 1 {
            // Country code of 1-3 digits, then groups of at most 5 digits except a final subscriber block.
            guard lens[lens.startIndex] <= 3 else { return false }
        }
        return true
    }
}
