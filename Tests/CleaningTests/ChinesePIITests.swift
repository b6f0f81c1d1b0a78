import DomainForgeCore
import Testing
@testable import Cleaning

/// Chinese PII in the `pii` stage: positives of each kind and look-alikes that must stay.
@Suite struct ChinesePIITests {
    let stage = PIIRedactor()

    func redact(_ s: String) -> String { run(stage, s).text }

    @Test func mobiles() {
        let r = run(stage, "手机13812345678，或138-1234-5678、139 1234 5678；+86 138 1234 5678，0086-15912345678，(+86)18612345678。")
        #expect(r.text == "手机<PHONE>，或<PHONE>、<PHONE>；<PHONE>，<PHONE>，<PHONE>。")
        #expect(r.counters["pii_cn_mobile"] == 6)
        #expect(redact("电话:13812345678") == "电话:<PHONE>")
        // Not mobiles: 12 digits, wrong second digit, mixed separators, wrong grouping, glued to letters.
        let keep = "订单号138123456789，12812345678，138-1234 5678，1381-234-5678，ID13812345678x"
        #expect(redact(keep) == keep)
    }

    @Test func landlines() {
        let r = run(stage, "北京010-87654321，上海(021)6123 4567，深圳0755-2345-6789，广州(020) 87654321。")
        #expect(r.text == "北京<PHONE>，上海<PHONE>，深圳<PHONE>，广州<PHONE>。")
        #expect(r.counters["pii_cn_landline"] == 4)
        // Not landlines: dates, a code that is no area code, local number starting with 0 or 1, too short.
        let keep = "2023-10-05，012-3456789，010-07654321，010-17654321，021-12345，价格 0.5-12345678"
        #expect(redact(keep) == keep)
    }

    @Test func residentIDs() {
        let r = run(stage, "身份证号11010519491231002X，另一个310115200002294567，旧证110105491231002。")
        #expect(r.text == "身份证号<ID_NUMBER>，另一个<ID_NUMBER>，旧证<ID_NUMBER>。")
        #expect(r.counters["pii_cn_id"] == 3)
        // Wrong check character; right check but 30 February; legacy with month 13; 18 digits from region 9.
        let keep = "310115200002294568，110105199002301231，110105491331002，910115200002294567"
        #expect(redact(keep) == keep)
    }

    @Test func bankCards() {
        let r = run(stage, "卡号6222021234567890128，Visa 4111 1111 1111 1111，银联 6214-8301-2345-6789-02。")
        #expect(r.text == "卡号<CARD_NUMBER>，Visa <CARD_NUMBER>，银联 <CARD_NUMBER>。")
        #expect(r.counters["pii_bank_card"] == 3)
        // Luhn fails; Luhn passes but no card network prefix; 15 digits (an Amex test number); price; order number.
        let keep = "6222021234567890127，1234567812345670，378282246310005，¥1999.00，订单20231201123456789"
        #expect(redact(keep) == keep)
    }

    @Test func idnEmail() {
        let r = run(stage, "请写信给 王五@医院.中国 或 zhang@例子.公司，以及 李四@hospital.cn。")
        #expect(r.text == "请写信给 <EMAIL> 或 <EMAIL>，以及 <EMAIL>。")
        #expect(r.counters["pii_idn_email"] == 3)
        #expect(redact("王五@医院 and @用户 and 人@.中国") == "王五@医院 and @用户 and 人@.中国")
    }

    @Test func kindsCanBeSwitchedOffAndPlaceholdersChanged() {
        var o = PIIRedactor.Options()
        o.redactIDs = false
        o.cardPlaceholder = "[卡]"
        let s = PIIRedactor(options: o)
        #expect(run(s, "11010519491231002X 6222021234567890128").text == "11010519491231002X [卡]")
    }

    @Test func englishTextIsUnchanged() {
        let text = "Call (555) 123-4567 or +44 20 7946 0958; order 2023-10-05 #123456789012, ISBN 978-0-306-40615-7, version 1.2.3.4."
        #expect(redact(text) == "Call <PHONE> or <PHONE>; order 2023-10-05 #123456789012, ISBN 978-0-306-40615-7, version 1.2.3.4.")
    }
}
