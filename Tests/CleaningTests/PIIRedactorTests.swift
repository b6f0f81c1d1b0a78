import DomainForgeCore
import Testing
@testable import Cleaning

@Suite struct PIIRedactorTests {
    let stage = PIIRedactor()

    func redact(_ s: String) -> String { run(stage, s).text }

    @Test func emails() {
        let r = run(stage, "Write to jane.doe+news@mail.uni-bonn.de or J_Smith@Company.COM.")
        #expect(r.text == "Write to <EMAIL> or <EMAIL>.")
        #expect(r.counters["pii_email"] == 2)
        #expect(r.verdict == .keep)
        #expect(redact("(mailto:bob@host.org)") == "(mailto:<EMAIL>)")
        // Not e-mails.
        #expect(redact("user@localhost and @handle and a@b and x@y.z and foo@bar..com") == "user@localhost and @handle and a@b and x@y.z and foo@bar..com")
        // Documentation domains are kept by default.
        #expect(redact("See admin@example.com, a@mail.example.org and b@host.test.") == "See admin@example.com, a@mail.example.org and b@host.test.")
        var o = PIIRedactor.Options()
        o.keepExampleEmails = false
        o.emailPlaceholder = "[email]"
        #expect(run(PIIRedactor(options: o), "admin@example.com").text == "[email]")
    }

    @Test func ipv4() {
        let r = run(stage, "Server 93.184.216.34 answered; gateway 192.168.1.1, loopback 127.0.0.1.")
        #expect(r.text == "Server <IP_ADDRESS> answered; gateway 192.168.1.1, loopback 127.0.0.1.")
        #expect(r.counters["pii_ip"] == 1)
        #expect(redact("http://8.26.56.26/path") == "http://<IP_ADDRESS>/path")
        // Not addresses: out of range, too long, leading zeros, glued to letters, section numbers, docs ranges.
        #expect(redact("256.1.1.1 1.2.3.4.5 01.02.03.04 v12.34.56.78 section 3.1.4.1 and 203.0.113.9")
                == "256.1.1.1 1.2.3.4.5 01.02.03.04 v12.34.56.78 section 3.1.4.1 and 203.0.113.9")
        var o = PIIRedactor.Options()
        o.onlyPublicIPs = false
        #expect(run(PIIRedactor(options: o), "gateway 192.168.1.1, loopback 127.0.0.1.").text
                == "gateway <IP_ADDRESS>, loopback <IP_ADDRESS>.")
    }

    @Test func ipv6() {
        #expect(redact("Host 2a00:1450:4001:82a::200e is up.") == "Host <IP_ADDRESS> is up.")
        #expect(redact("full 2606:4700:4700:0000:0000:0000:0000:1111 form") == "full <IP_ADDRESS> form")
        // Not redacted: documentation prefix, link-local and loopback (not public), times, MAC addresses, C++ scopes.
        let kept = "2001:db8::1 fe80::1 ::1 at 12:30:45, mac 00:1a:2b:3c:4d:5e, std::vector"
        #expect(redact(kept) == kept)
        var o = PIIRedactor.Options()
        o.onlyPublicIPs = false
        #expect(run(PIIRedactor(options: o), "link fe80::1: up").text == "link <IP_ADDRESS>: up")
    }

    @Test func phones() {
        let cases: [(String, String)] = [
            ("Call (555) 123-4567 today", "Call <PHONE> today"),
            ("Call 555-123-4567.", "Call <PHONE>."),
            ("Call 555.123.4567 now", "Call <PHONE> now"),
            ("Call 555 123 4567 now", "Call <PHONE> now"),
            ("Call 1-800-555-0199 now", "Call <PHONE> now"),
            ("Call +1 (555) 123-4567 now", "Call <PHONE> now"),
            ("London +44 20 7946 0958.", "London <PHONE>."),
            ("Paris +33 1 23 45 67 89, Berlin +49-30-1234567", "Paris <PHONE>, Berlin <PHONE>"),
            ("Mobile: +4915112345678", "Mobile: <PHONE>"),
            ("UK +44 (0)20 7946 0958", "UK <PHONE>"),
            ("Tel. 555-123-4567 2 times", "Tel. <PHONE> 2 times"),
        ]
        for (input, expected) in cases {
            #expect(redact(input) == expected, "\(input)")
        }
        #expect(run(stage, "a 555-123-4567 b (555) 123-4567").counters["pii_phone"] == 2)
    }

    @Test func numbersThatAreNotPhones() {
        let kept = [
            "In 1999, 2000 and 2001 the war went on.",
            "Between 1990 2000 2010 and 2020.",
            "Dated 2023-10-05 and 12.05.2023 and 10/05/2023.",
            "ISBN 978-0-306-40615-7 and ISBN 0-306-40615-2 and 0306406152.",
            "Version 1.2.3 and 10.0.19041.1 and v2.4.1.",
            "Call 555-1234 for the local office.",
            "The id 5551234567 is stored.",
            "Scores 123-456-7890-12 and 023-456-7890 and 555-123-4567-8.",
            "Mixed 555-123.4567 separators.",
            "Math 3 + 4 = 7 and +5 points.",
            "Pages 234-567 and 1-2-3.",
        ]
        for text in kept {
            #expect(redact(text) == text)
        }
    }

    @Test func togglesAndEdges() {
        var o = PIIRedactor.Options()
        o.redactEmails = false
        o.redactPhones = false
        o.ipPlaceholder = "IP"
        let s = PIIRedactor(options: o)
        #expect(run(s, "a@mail.com 555-123-4567 93.184.216.34").text == "a@mail.com 555-123-4567 IP")
        #expect(redact("") == "")
        #expect(redact("@") == "@")
        #expect(redact("+") == "+")
        #expect(redact("(555") == "(555")
        #expect(redact("1.2.3.") == "1.2.3.")
        #expect(redact("::") == "::")
        let mixed = "\u{8054}\u{7CFB} jane@mail.cn \u{7535}\u{8BDD} +86 10 1234 5678\u{3002}"
        #expect(redact(mixed) == "\u{8054}\u{7CFB} <EMAIL> \u{7535}\u{8BDD} <PHONE>\u{3002}")
        #expect(redact("\u{7535}\u{8BDD}+86 10 1234 5678\u{FF0C}\u{90AE}\u{7BB1}li@mail.cn") == "\u{7535}\u{8BDD}<PHONE>\u{FF0C}\u{90AE}\u{7BB1}<EMAIL>")
        #expect(redact("at 93.184.216.34:8080 and (+1 555-123-4567)") == "at <IP_ADDRESS>:8080 and (<PHONE>)")
        #expect(redact("Tel: +49 (0) 30 1234567.") == "Tel: <PHONE>.")
        // A document without PII keeps its text and adds no counters.
        let r = run(stage, goodProse)
        #expect(r.text == goodProse && r.counters.values.isEmpty)
    }
}
