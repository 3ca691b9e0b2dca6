import Foundation
import Testing
import TurboCore
import TurboWebhooks

/// The parts of webhook delivery that need no network: the SSRF guard, Standard Webhooks signatures (checked by
/// the reference implementation), the retry schedule.
@Suite(.timeLimit(.minutes(1)))
struct WebhookPartsTests {
    /// Spellings of non-public destinations, each refused without --allow-private.
    @Test(arguments: [
        "http://127.0.0.1/hook", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.1/",
        "http://[::ffff:127.0.0.1]/", "http://[::1]:8080/", "http://localhost./", "http://localhost/",
        "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://10.0.0.5/", "http://172.16.3.4/",
        "http://192.168.1.10/", "http://100.64.0.1/", "http://224.0.0.1/", "http://[fe80::1]/", "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/", "http://255.255.255.255/",
    ])
    func nonPublicDestinationsAreRefused(_ url: String) {
        #expect(throws: TurboError.self) { try AddressGuard.check(url, allowPrivate: false) }
    }

    @Test func onlyHTTPAndPublicAddressesPassAndPrivateOnesOnlyWhenAllowed() throws {
        for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://1.1.1.1/", "http://user:pw@1.1.1.1/"] {
            #expect(throws: TurboError.self) { try AddressGuard.check(url, allowPrivate: true) }
        }
        let target = try AddressGuard.check("https://93.184.216.34:8443/hook?x=1", allowPrivate: false)
        #expect(target.addresses == [.v4(0x5db8_d822)] && target.port == 8443 && target.scheme == "https")
        let local = try AddressGuard.check("http://127.0.0.1:9000/hook", allowPrivate: true)
        #expect(local.addresses.map(\.description) == ["127.0.0.1"] && local.port == 9000)
        #expect(AddressGuard.restriction(of: .v4(0x0808_0808)) == nil)
    }

    /// IPv6's own loopback and unspecified addresses are named as such, not as IPv4 addresses they resemble.
    @Test func theRefusalNamesTheKindOfAddress() {
        func v6(_ last: [UInt8], prefix: [UInt8] = []) -> IPAddress {
            .v6(prefix + [UInt8](repeating: 0, count: 16 - prefix.count - last.count) + last)
        }
        #expect(AddressGuard.restriction(of: v6([1])) == "loopback")
        #expect(AddressGuard.restriction(of: v6([])) == "unspecified (::)")
        #expect(AddressGuard.restriction(of: v6([0xff, 0xff, 127, 0, 0, 1])) == "IPv4-mapped loopback")
        #expect(AddressGuard.restriction(of: v6([10, 0, 0, 1])) == "IPv4-compatible private")
        #expect(throws: TurboError.self) { try AddressGuard.check("http://[::1]/", allowPrivate: false) }
        do {
            _ = try AddressGuard.check("http://[::1]/", allowPrivate: false)
        } catch {
            #expect("\(error)".contains("loopback") && !"\(error)".contains("IPv4"), "\(error)")
        }
    }

    @Test func signaturesMatchTheStandardAndRotationSendsBoth() throws {
        let secret = StandardWebhooks.newSecret()
        let encoded = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
        #expect(secret.hasPrefix("whsec_") && encoded.count == 32)
        _ = try StandardWebhooks.key(secret)
        #expect(throws: TurboError.self) { try StandardWebhooks.key("whsec_c2hvcnQ=") }
        let body = Data(
            #"{"data":{"key":"TT-1"},"id":"1","timestamp":"2026-11-24T00:00:00Z","type":"issue.created"}"#.utf8)
        let header = try StandardWebhooks.signatureHeader(
            id: "msg_1", timestamp: 1_790_000_000, body: body, secrets: [secret, StandardWebhooks.newSecret()])
        #expect(header.split(separator: " ").count == 2)
        #expect(
            StandardWebhooks.verify(id: "msg_1", timestamp: 1_790_000_000, body: body, header: header, secret: secret))
        #expect(
            !StandardWebhooks.verify(id: "msg_2", timestamp: 1_790_000_000, body: body, header: header, secret: secret))
    }

    /// The reference implementation (Python `standardwebhooks`) accepts our signatures.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["TURBOCODE_TEST_PYTHON"] != nil
                || ProcessInfo.processInfo.environment["TURBOCODE_REQUIRE_PYTHON"] == "1"))
    func theReferenceImplementationVerifiesOurSignatures() throws {
        let python = try #require(ProcessInfo.processInfo.environment["TURBOCODE_TEST_PYTHON"])
        let secret = StandardWebhooks.newSecret()
        let body = #"{"data":{"key":"TT-1"},"id":"evt_9","timestamp":"2026-11-24T00:00:00Z","type":"issue.created"}"#
        let timestamp = Int(Date().timeIntervalSince1970)
        let signature = try StandardWebhooks.signatureHeader(
            id: "msg_9", timestamp: timestamp, body: Data(body.utf8), secrets: [secret])
        let script = """
            import sys
            from standardwebhooks.webhooks import Webhook
            secret, body, signature, timestamp = sys.argv[1:5]
            headers = {"webhook-id": "msg_9", "webhook-timestamp": timestamp, "webhook-signature": signature}
            Webhook(secret).verify(body.encode(), headers)
            try:
                Webhook(secret).verify(body.encode() + b" ", headers)
                sys.exit("a changed body verified")
            except Exception:
                print("verified")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, secret, body, signature, String(timestamp)]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sw-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(process.terminationStatus == 0 && text.contains("verified"), "\(text)")
    }

    @Test func retriesFollowTheScheduleWithJitterAndRetryAfter() {
        var generator = SystemRandomNumberGenerator()
        let schedule = RetrySchedule.standard
        let expected: [Double] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]
        for (index, seconds) in expected.enumerated() {
            for _ in 0..<20 {
                let delay = schedule.delay(afterAttempt: index + 1, using: &generator)!.timeInterval
                #expect(delay >= seconds * 0.8 - 0.001 && delay <= seconds * 1.2 + 0.001)
            }
        }
        #expect(schedule.delay(afterAttempt: 8, using: &generator) == nil)
        let honoured = schedule.delay(afterAttempt: 1, retryAfter: .seconds(120), using: &generator)!
        #expect(honoured == .seconds(120))
        let capped = schedule.delay(afterAttempt: 1, retryAfter: .seconds(1_000_000), using: &generator)!
        #expect(capped == .seconds(86_400))
    }
}
