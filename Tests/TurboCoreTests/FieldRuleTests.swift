import Foundation
import Testing
import TurboCore

/// The field rules every face and store share: bounds that are said in the error, and free text without control
/// characters.
@Suite struct FieldRuleTests {
    @Test func listsAreBoundedAndTheBoundIsSaid() throws {
        let many = (0..<20_000).map { "label-\($0)" }
        #expect(throws: TurboError.invalidInput("an issue has at most 50 capabilities (got 20000)")) {
            try IssueValidation.capabilities(many)
        }
        #expect(throws: TurboError.invalidInput("an issue has at most 500 path globs (got 20000)")) {
            try IssueValidation.paths(many)
        }
        let long = String(repeating: "a/", count: 600)
        #expect(throws: TurboError.self) { try IssueValidation.paths([long]) }
        // At the bound, duplicates (any case) fold into the first spelling, in order.
        let labels = (0..<25).flatMap { ["L\($0)", "l\($0)"] }
        #expect(try IssueValidation.capabilities(labels) == (0..<25).map { "l\($0)" })
        let globs = (0..<500).map { "Sources/\($0 % 250)/**" }
        #expect(try IssueValidation.paths(globs) == (0..<250).map { "Sources/\($0)/**" })
    }

    @Test func freeTextRefusesControlCharactersButNewlinesAndTabs() throws {
        #expect(try IssueValidation.text("a\nb\tc\r\nd", field: "description") == "a\nb\tc\r\nd")
        #expect(
            throws: TurboError.invalidInput(
                "a comment contains the control character U+0000 at character 5; only newline and tab are allowed")
        ) { try IssueValidation.text("keep\u{0}lost", field: "a comment") }
        #expect(throws: TurboError.self) { try IssueValidation.text("a\rb", field: "x") }
        #expect(throws: TurboError.self) { try IssueValidation.text("del\u{7F}", field: "x") }
        #expect(throws: TurboError.invalidInput("x has at most 3 characters")) {
            try IssueValidation.text("abcd", field: "x", maxLength: 3)
        }
        #expect(throws: TurboError.self) { try IssueValidation.actor("user:a\u{0}b") }
    }

    @Test func toolOutputIsMadeStorable() {
        #expect(IssueValidation.storable("plain\ttext\n") == "plain\ttext\n")
        #expect(IssueValidation.storable("\u{1B}[1;31mred\u{1B}[0m") == "red")
        #expect(IssueValidation.storable("\u{1B}]0;title\u{07}after") == "after")
        #expect(IssueValidation.storable("a\r\nb\rc") == "a\nb\nc")
        #expect(IssueValidation.storable("nul\u{0}del\u{7F}") == "nul\u{FFFD}del\u{FFFD}")
        // Whatever storable returns passes the rule for free text.
        for raw in ["\u{1B}", "\u{1B}[", "\u{1B}]unterminated", "x\r", "\u{9B}c1"] {
            #expect(
                (try? IssueValidation.text(IssueValidation.storable(raw), field: "x")) != nil, "\(raw.debugDescription)"
            )
        }
    }
}
