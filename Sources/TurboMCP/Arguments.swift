import Foundation
public import MCP
public import TurboCore

/// A tool's arguments with typed, checked access. The SDK does not validate arguments against the input schema, so
/// every tool reads through this: a missing, misspelt or mistyped argument becomes a tool error naming it.
public struct ToolArguments: Sendable {
    let values: [String: Value]
    let tool: String

    /// Refuses any argument not in `allowed`, naming the ones the tool takes.
    public init(_ values: [String: Value]?, tool: String, allowed: Set<String>) throws(TurboError) {
        self.values = values ?? [:]
        self.tool = tool
        let unknown = self.values.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .invalidInput(
                "\(tool) does not take \(unknown.map { "'\($0)'" }.joined(separator: ", "))"
                    + (allowed.isEmpty ? "" : "; it takes \(allowed.sorted().joined(separator: ", "))"))
        }
    }

    /// A string argument; nil when absent or null.
    public func string(_ name: String) throws(TurboError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidInput("\(tool): '\(name)' must be a string")
        }
    }

    /// A string argument that must be present and not blank.
    public func requiredString(_ name: String) throws(TurboError) -> String {
        guard let text = try string(name), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidInput("\(tool) needs '\(name)'")
        }
        return text
    }

    /// A whole number, also accepted as an integral double or a numeric string; nil when absent or null.
    public func integer(_ name: String) throws(TurboError) -> Int? {
        switch values[name] {
        case nil, .null?: return nil
        case .int(let number)?: return number
        case .double(let number)? where number.rounded() == number && abs(number) < 1e15: return Int(number)
        case .string(let text)?:
            guard let number = Int(text) else { throw .invalidInput("\(tool): '\(name)' must be a whole number") }
            return number
        default: throw .invalidInput("\(tool): '\(name)' must be a whole number")
        }
    }

    /// A whole number argument that must be present.
    public func requiredInteger(_ name: String) throws(TurboError) -> Int {
        guard let number = try integer(name) else { throw .invalidInput("\(tool) needs '\(name)'") }
        return number
    }

    /// A boolean argument; nil when absent or null.
    public func bool(_ name: String) throws(TurboError) -> Bool? {
        switch values[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .invalidInput("\(tool): '\(name)' must be true or false")
        }
    }

    /// A list of strings, also accepted as one comma-separated string; nil when absent or null.
    public func strings(_ name: String) throws(TurboError) -> [String]? {
        switch values[name] {
        case nil, .null?: return nil
        case .array(let items)?:
            var texts: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw .invalidInput("\(tool): '\(name)' must be a list of strings")
                }
                texts.append(text)
            }
            return texts
        case .string(let text)?: return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        default: throw .invalidInput("\(tool): '\(name)' must be a list of strings")
        }
    }

    /// An issue named by key (any case) or UUID.
    public func issue(_ name: String) throws(TurboError) -> IssueRef {
        try IssueRef(parsing: try requiredString(name))
    }
}
