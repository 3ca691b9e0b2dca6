import Foundation
import Testing
import TurboCore

/// `JSONValue`'s own writer and parser against Foundation's `JSONEncoder` (sorted keys, slashes unescaped) and
/// `JSONDecoder`, on thousands of generated documents with awkward strings, keys and numbers.
struct JSONValueTests {
    /// A small deterministic generator (SplitMix64), so a failure repeats.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let scalars: [UInt32] = [
        0, 1, 8, 9, 10, 12, 13, 31, 32, 34, 47, 92, 97, 65, 127, 233, 0x2028, 0x1F600, 0x41, 0x39, 0x5F,
    ]
    static let numbers: [Double] = [
        0, -0.0, 1, 1.5, 1e-5, 1e20, 3e15, 1e16, -42, 123_456_789.25, 9_007_199_254_740_993, 0.1, -2.5e-300,
    ]

    static func text(_ random: inout Generator) -> String {
        let count = Int.random(in: 0...8, using: &random)
        return String(
            String.UnicodeScalarView(
                (0..<count).compactMap { _ in Unicode.Scalar(scalars.randomElement(using: &random) ?? 32) }))
    }

    static func value(_ random: inout Generator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0...(depth > 2 ? 3 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2:
            return .number(
                Bool.random(using: &random)
                    ? numbers.randomElement(using: &random) ?? 0 : Double.random(in: -1e6...1e6, using: &random))
        case 3: return .string(text(&random))
        case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(&random, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                members[text(&random)] = value(&random, depth: depth + 1)
            }
            return .object(members)
        }
    }

    @Test func writesWhatJSONEncoderWritesAndReadsWhatJSONDecoderReads() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var random = Generator(state: 16)
        for _ in 0..<5_000 {
            let value = Self.value(&random)
            let expected = String(decoding: try encoder.encode(value), as: UTF8.self)
            #expect(value.jsonString == expected)
            let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(expected.utf8))
            #expect(JSONValue(jsonText: expected) == decoded, "\(expected)")
        }
    }

    @Test func readsEscapesAndRefusesWhatIsNotJSON() {
        #expect(JSONValue(jsonText: #" {"a" : [1, "\u00e9\ud83d\ude00\/\n"] } "#) == ["a": [1, "é😀/\n"]])
        #expect(JSONValue(jsonText: "1e2") == .number(100))
        #expect(JSONValue(jsonText: "-0.5") == .number(-0.5))
        // Not JSON: kept as the text itself, so a damaged row never hides its event.
        for text in ["", "nul", "01", "+1", "1e400", "[1 2]", #"{"a" 1}"#, #""\ud800x""#, "\"a\u{1}\"", "[1,]x"] {
            #expect(JSONValue(jsonText: text) == .string(text), "\(text)")
        }
        #expect(JSONValue.number(.infinity).jsonString == "null")
    }
}

/// The string lists stored as JSON text (capabilities, paths): written and read without Foundation, and the texts
/// `JSONSerialization` wrote before still read the same.
struct StringArrayTests {
    @Test func writesAndReadsWhatJSONSerializationDoes() throws {
        var random = JSONValueTests.Generator(state: 7)
        for _ in 0..<3_000 {
            let strings = (0..<Int.random(in: 0...5, using: &random)).map { _ in JSONValueTests.text(&random) }
            let text = StringArray.encode(strings)
            #expect(StringArray.decode(text) == strings, "\(text)")
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] == strings, "\(text)")
            let foundation = String(
                decoding: try JSONSerialization.data(withJSONObject: strings, options: [.withoutEscapingSlashes]),
                as: UTF8.self)
            #expect(StringArray.decode(foundation) == strings, "\(foundation)")
        }
        // Not a list of strings: no strings.
        for text in ["", "[]", "[1]", #"["a", 2]"#, "{}", "[", #""a""#, "null"] {
            #expect(StringArray.decode(text) == [], "\(text)")
        }
    }
}

/// `IssueDocument`'s own JSON against what `JSONEncoder` (as the server's context configures it) makes of it.
struct IssueDocumentJSONTests {
    @Test func writesTheDocumentJSONEncoderWrites() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        var random = JSONValueTests.Generator(state: 61)
        for index in 0..<500 {
            let text = { JSONValueTests.text(&random) }
            let date = { Date(timeIntervalSince1970: Double.random(in: 0...4e9, using: &random)) }
            let project = try ProjectKey("SHOP")
            let issue = Issue(
                id: UUID(), projectID: UUID(), key: IssueKey(project: project, number: index + 1), title: text(),
                description: text() + "/\u{7f}é", type: IssueType.allCases[index % IssueType.allCases.count],
                priority: .high, status: IssueStatus.allCases[index % IssueStatus.allCases.count],
                capabilities: [text(), "web"], paths: index.isMultiple(of: 2) ? [] : ["src/**", text()],
                createdBy: index.isMultiple(of: 3) ? nil : text(), assignedTo: index.isMultiple(of: 4) ? text() : nil,
                workRank: index.isMultiple(of: 5) ? index : nil, closedReason: index.isMultiple(of: 7) ? .done : nil,
                createdAt: date(), updatedAt: date(), closedAt: index.isMultiple(of: 2) ? date() : nil,
                blockedBy: [IssueKey(project: project, number: 99)], blocks: [])
            let document = IssueDocument(issue)
            var bytes: [UInt8] = []
            #expect(document.writeJSON(to: &bytes))
            let ours = try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: try encoder.encode(document)) as? NSDictionary
            #expect(ours != nil && ours == theirs, "\(String(decoding: bytes, as: UTF8.self))")
            let list = [document, document]
            bytes = []
            #expect(list.writeJSON(to: &bytes))
            let array = try JSONSerialization.jsonObject(with: Data(bytes)) as? [NSDictionary]
            #expect(array?.count == 2 && array?.first == theirs)
        }
        // With comments or a lease attached it leaves the document to the encoder.
        let issue = Issue(
            id: UUID(), projectID: UUID(), key: IssueKey(project: try ProjectKey("SHOP"), number: 1), title: "t",
            description: "", type: .task, priority: .high, status: .ready, capabilities: [], paths: [],
            createdBy: nil, assignedTo: nil, workRank: nil, closedReason: nil, createdAt: Date(), updatedAt: Date(),
            closedAt: nil)
        var bytes: [UInt8] = []
        #expect(!IssueDocument(issue, comments: []).writeJSON(to: &bytes) && bytes.isEmpty)
    }
}

/// UUIDs written by hand as Foundation writes them, lower-cased.
@Suite struct UUIDTextTests {
    @Test func theLowerCaseFormIsFoundationsLowerCased() {
        for _ in 0..<2_000 {
            let id = UUID()
            #expect(id.lowercasedString == id.uuidString.lowercased())
        }
        let fixed = UUID(uuid: (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF))
        #expect(fixed.lowercasedString == "00010203-0405-0607-0809-aabbccddeeff")
    }
}
