import Foundation
public import MCP
public import TurboCore

/// A tool's arguments with typed, checked access. The SDK does not validate arguments against the input schema, so
/// every tool reads through this: a missing, misspelt or mistyped argument becomes a tool error naming it.
public struct ToolArguments: Sendable {
    let values: [String: Value]
    let tool: String

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

    public func string(_ name: String) throws(TurboError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw .invalidInput("\(tool): '\(name)' must be a string")
        }
    }

    public func requiredString(_ name: String) throws(TurboError) -> String {
        guard let text = try string(name), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidInput("\(tool) needs '\(name)'")
        }
        return text
    }

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

    public func requiredInteger(_ name: String) throws(TurboError) -> Int {
        guard let number = try integer(name) else { throw .invalidInput("\(tool) needs '\(name)'") }
        return number
    }

    public func bool(_ name: String) throws(TurboError) -> Bool? {
        switch values[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw .invalidInput("\(tool): '\(name)' must be true or false")
        }
    }

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
