/// Matchers for Chinese personal data over UTF-8 bytes, used by `PIIRedactor`. Each returns the end offset of a
/// match starting at `i` (bounded by `limit`), or nil. Formats (see the design notes of the multilingual issue):
/// - **Mainland mobile**: 11 digits `1[3-9]xxxxxxxxx`, bare or grouped 3-4-4 with one kind of separator (space or
///   hyphen), optionally after `+86`, `0086` or `(+86)` (then a space or hyphen may follow).
/// - **Landline**: area code `010`, `02x` or `0[3-9]xx` (the national plan: two-digit codes are 10 and 2x, the
///   others have three digits), in parentheses or followed by a hyphen or space, then a 7-8 digit number starting with 2-9, bare
///   or split 4-4 by one space or hyphen (not 3-4, the shape of North American numbers such as `023-456-7890`):
///   `010-87654321`, `(021)6123 4567`, `0755-2345-6789`.
/// - **Resident ID** (GB 11643): 17 digits and a check character `0-9X` (ISO 7064 MOD 11-2, weights
///   7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes `10X98765432`) with a real birth date YYYYMMDD between
///   1900 and 2099; or the legacy 15 digits with a real date YYMMDD (19YY). The region code starts with 1-8.
/// - **Bank card**: 16-19 digits, bare or in groups of four (last group shorter) with one kind of separator, passing
///   the Luhn check, with the prefix of a card network (UnionPay 62, Visa 4, Mastercard 51-55 and 2221-2720,
///   JCB 35, Discover 60/64/65): order numbers rarely start so and pass Luhn.
enum ChinesePII {
    enum Kind { case mobile, landline, residentID, bankCard }

    /// The longest Chinese match at `i`, if any, with its kind.
    static func match(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> (end: Int, kind: Kind)? {
        if let e = mobile(p, i, limit) { return (e, .mobile) }
        guard isASCIIDigit(p[i]) || p[i] == 0x28 else { return nil }
        if let e = landline(p, i, limit) { return (e, .landline) }
        guard isASCIIDigit(p[i]) else { return nil }
        let run = digitRun(p, i, limit)
        if let e = residentID(p, i, run, limit) { return (e, .residentID) }
        if let e = bankCard(p, i, limit) { return (e, .bankCard) }
        return nil
    }

    // MARK: Mobile

    static func mobile(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int? {
        var j = countryPrefix(p, i, limit) ?? i
        if j > i, j < limit, p[j] == 0x20 || p[j] == 0x2D { j += 1 }
        guard j + 1 < limit, p[j] == 0x31, p[j + 1] >= 0x33, p[j + 1] <= 0x39 else { return nil }
        guard let end = groups(p, j, limit, [11]) ?? groups(p, j, limit, [3, 4, 4]) else { return nil }
        return boundaryAfter(p, end) ? end : nil
    }

    /// The end of `+86`, `0086` or `(+86)` at `i`.
    static func countryPrefix(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int? {
        for prefix in ["+86", "0086", "(+86)"] {
            let u = Array(prefix.utf8)
            if i + u.count <= limit, (0..<u.count).allSatisfy({ p[i + $0] == u[$0] }) { return i + u.count }
        }
        return nil
    }

    // MARK: Landline

    static func landline(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int? {
        let paren = p[i] == 0x28
        let a = paren ? i + 1 : i
        guard a + 2 < limit, p[a] == 0x30, isASCIIDigit(p[a + 1]), p[a + 1] != 0x30 else { return nil }
        let areaLen = (p[a + 1] == 0x31 || p[a + 1] == 0x32) ? 3 : 4
        guard digitRun(p, a, limit) == areaLen, p[a + 1] != 0x31 || p[a + 2] == 0x30 else { return nil }
        var j = a + areaLen
        if paren {
            guard j < limit, p[j] == 0x29 else { return nil }
            j += 1
            if j < limit && (p[j] == 0x20 || p[j] == 0x2D) { j += 1 }
        } else {
            guard j < limit, p[j] == 0x2D || p[j] == 0x20 else { return nil }
            j += 1
        }
        guard j < limit, p[j] >= 0x32, p[j] <= 0x39 else { return nil }  // local numbers start with 2-9
        for shape in [[8], [7], [4, 4]] {
            if let end = groups(p, j, limit, shape), boundaryAfter(p, end) { return end }
        }
        return nil
    }

    // MARK: Resident ID

    static func residentID(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ run: Int, _ limit: Int) -> Int? {
        guard p[i] >= 0x31, p[i] <= 0x38 else { return nil }
        let d = { (k: Int) in Int(p[i + k] - 0x30) }
        if run == 17, i + 17 < limit, p[i + 17] == 0x58 || p[i + 17] == 0x78, boundaryAfter(p, i + 18) {
            return checkChar(p, i) == 10 && validDate(d(6) * 1000 + d(7) * 100 + d(8) * 10 + d(9), d(10) * 10 + d(11), d(12) * 10 + d(13)) ? i + 18 : nil
        }
        if run == 18, boundaryAfter(p, i + 18) {
            return checkChar(p, i) == d(17) && validDate(d(6) * 1000 + d(7) * 100 + d(8) * 10 + d(9), d(10) * 10 + d(11), d(12) * 10 + d(13)) ? i + 18 : nil
        }
        if run == 15, boundaryAfter(p, i + 15) {
            return validDate(1900 + d(6) * 10 + d(7), d(8) * 10 + d(9), d(10) * 10 + d(11)) ? i + 15 : nil
        }
        return nil
    }

    static let idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// The check value for the 17 digits at `i`: 0-9, or 10 for `X`.
    static func checkChar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var sum = 0
        for k in 0..<17 { sum += Int(p[i + k] - 0x30) * idWeights[k] }
        return [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2][sum % 11]
    }

    static func validDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        guard (1900...2099).contains(y), (1...12).contains(m), d >= 1 else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    // MARK: Bank card

    static func bankCard(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int? {
        var digits = [UInt8]()
        var end: Int?
        let run = digitRun(p, i, limit)
        if (16...19).contains(run) {
            digits = Array(p[i..<(i + run)])
            end = i + run
        } else if run == 4 {
            (digits, end) = groupedCard(p, i, limit)
        }
        guard let e = end, (16...19).contains(digits.count), boundaryAfter(p, e), hasCardPrefix(digits), luhn(digits) else { return nil }
        return e
    }

    /// Groups of four digits with one kind of separator; the last group may have 1-4 digits.
    static func groupedCard(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> ([UInt8], Int?) {
        var digits = [UInt8](), j = i, sep: UInt8 = 0
        while j < limit {
            let run = digitRun(p, j, limit)
            guard run >= 1, run <= 4 else { return ([], nil) }
            digits += p[j..<(j + run)]
            j += run
            if run < 4 { break }
            guard j + 1 < limit, p[j] == 0x20 || p[j] == 0x2D, sep == 0 || p[j] == sep, isASCIIDigit(p[j + 1]) else { break }
            sep = p[j]
            j += 1
        }
        return (digits, j)
    }

    static func hasCardPrefix(_ d: [UInt8]) -> Bool {
        let two = Int(d[0] - 0x30) * 10 + Int(d[1] - 0x30)
        let four = two * 100 + Int(d[2] - 0x30) * 10 + Int(d[3] - 0x30)
        return d[0] == 0x34 || two == 62 || (51...55).contains(two) || (2221...2720).contains(four) || two == 35
            || two == 60 || two == 64 || two == 65
    }

    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (k, c) in d.reversed().enumerated() {
            var v = Int(c - 0x30)
            if k % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    // MARK: Shared

    /// Digit groups of exactly the given lengths, separated by one space or one hyphen (the same throughout).
    static func groups(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int, _ lens: [Int]) -> Int? {
        var j = i, sep: UInt8 = 0
        for (k, len) in lens.enumerated() {
            if k > 0 {
                guard j < limit, p[j] == 0x20 || p[j] == 0x2D, sep == 0 || p[j] == sep else { return nil }
                sep = p[j]
                j += 1
            }
            guard digitRun(p, j, limit) == len else { return nil }
            j += len
        }
        return j
    }

    static func digitRun(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ limit: Int) -> Int {
        var j = i
        while j < limit && isASCIIDigit(p[j]) { j += 1 }
        return j - i
    }

    /// Nothing number-like continues after `end`: no letter or digit, and no `-`, `.` or `/` followed by a digit.
    static func boundaryAfter(_ p: UnsafeBufferPointer<UInt8>, _ end: Int) -> Bool {
        guard end < p.count else { return true }
        let b = p[end]
        if isASCIIAlnum(b) { return false }
        if (b == 0x2D || b == 0x2E || b == 0x2F) && end + 1 < p.count && isASCIIDigit(p[end + 1]) { return false }
        return true
    }
}
