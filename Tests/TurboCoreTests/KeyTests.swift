import Foundation
import Testing
import TurboCore

@Suite struct KeyTests {
    @Test(arguments: [("turbo", "TURBO"), ("  ab ", "AB"), ("A1", "A1"), ("ABCDEFGHIJ", "ABCDEFGHIJ"), ("x9z", "X9Z")])
    func validKeysAreUpperCased(input: String, expected: String) throws {
        #expect(try ProjectKey(input).rawValue == expected)
    }

    @Test(arguments: ["", "A", "ABCDEFGHIJK", "1AB", "A-B", "AB C", "ÄB", "A_B", "../x"])
    func invalidKeysAreClearErrors(input: String) {
        #expect(throws: TurboError.self) { try ProjectKey(input) }
        let error = #expect(throws: TurboError.self) { try ProjectKey(input) }
        #expect(error?.description.hasPrefix("invalid project key") == true)
    }

    @Test(
        arguments: [
            ("turbo code", "TC"), ("my-app", "MA"), ("turbocode", "TURBOC"), ("2fast", "FAST"), ("x", "XP"),
            ("a b c d e f g h i j k l", "ABCDEF"), ("日本", nil),
        ] as [(String, String?)])
    func keySuggestions(name: String, expected: String?) {
        #expect(ProjectKey.suggestion(from: name)?.rawValue == expected)
    }

    @Test func issueKeysParseCaseInsensitively() throws {
        let key = try #require(IssueKey(parsing: "turbo-12"))
        #expect(key.description == "TURBO-12" && key.number == 12)
        #expect(IssueKey(parsing: "TURBO-0") == nil)
        #expect(IssueKey(parsing: "TURBO-") == nil)
        #expect(IssueKey(parsing: "TURBO-1x") == nil)
        #expect(IssueKey(parsing: "-1") == nil)
        #expect(IssueKey(parsing: "TURBO-99999999999999") == nil)
        #expect(try #require(IssueKey(parsing: "AB-2")) < (try #require(IssueKey(parsing: "AB-10"))))
    }

    @Test func issueRefsTakeKeysOrUUIDs() throws {
        let id = UUID()
        #expect(try IssueRef(parsing: id.uuidString.lowercased()) == .id(id))
        #expect(try IssueRef(parsing: "ab-3").description == "AB-3")
        #expect(throws: TurboError.invalidIssueReference("nonsense")) { try IssueRef(parsing: "nonsense") }
    }

    @Test func enumsParseWithAllowedValuesInTheError() throws {
        #expect(try ClosedReason(parsing: "wont-fix") == .wontFix)
        #expect(try IssueStatus(parsing: "IN_PROGRESS") == .inProgress)
        let error = #expect(throws: TurboError.self) { try IssuePriority(parsing: "urgent") }
        #expect(error?.description == "invalid priority 'urgent'; expected one of: critical, high, medium, low")
    }

    @Test func databaseURLs() throws {
        #expect(try DatabaseURL(parsing: "sqlite:/tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(try DatabaseURL(parsing: "sqlite:db/x.db", relativeTo: "/repo") == .sqlite(path: "/repo/db/x.db"))
        let pg = try DatabaseURL(parsing: "postgres://ana:s%40cret@db.local:5433/turbo")
        #expect(
            pg == .postgres(.init(host: "db.local", port: 5433, user: "ana", password: "s@cret", database: "turbo")))
        #expect(pg.description == "postgres://ana:***@db.local:5433/turbo")
        #expect(try DatabaseURL(parsing: "postgresql://u@h/d") == .postgres(.init(host: "h", user: "u", database: "d")))
        for bad in ["mysql://x", "postgres://h/db", "postgres://u@h", "postgres://u@h:0/d", "sqlite:", "db.sqlite"] {
            #expect(throws: TurboError.self, "\(bad)") { try DatabaseURL(parsing: bad) }
        }
    }
}
