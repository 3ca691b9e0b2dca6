import Foundation
import Testing
import TurboCore
import TurboGit

/// Hostile titles and keys never produce a path outside the root, an argument that starts with `-`, or a branch
/// name git would refuse.
@Suite struct SafetyTests {
    static let hostile: [String] = [
        "../../etc/passwd", "--upload-pack=touch /tmp/pwned", "-rf", "a\u{0}b", "line\nbreak\ttab\u{7f}", "~user/.ssh",
        "refs/heads/main", "@{-1}", "a..b", "x.lock", ".hidden", "ends with dot.", "spaces   and   more", "日本語のタイトル",
        "émoji 🚀 rocket", String(repeating: "long ", count: 200), "", "////", "***?[]^:\\", "HEAD", "@",
    ]

    /// A deterministic generator of random hostile strings.
    static func randomTitles(count: Int) -> [String] {
        var state: UInt64 = 0x5EED
        let alphabet = Array("abc-_./\\~^:?*[ @{}\u{0}\u{1}\n\t\u{7f}éü日🚀.lock..-")
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 58) + 1
            return String(
                (0..<length).map { index in
                    alphabet[Int((state >> UInt64(index % 50)) % UInt64(alphabet.count))]
                })
        }
    }

    @Test func branchesFromHostileTitlesAreValidAndPathsStayInTheRoot() async throws {
        let layout = WorktreeLayout(root: "/tmp/turbo-wt", relativeTo: "/")
        let keys = [key("AB-1"), key("ZZZZZZZZZZ-999999999"), key("X1-42")]
        var checked: [String] = []
        for title in Self.hostile + Self.randomTitles(count: 500) {
            for issue in keys {
                let branch = try layout.branch(for: issue, title: title)
                #expect(RefName.isValidBranch(branch), "\(branch)")
                #expect(!branch.hasPrefix("-") && branch.hasPrefix("\(issue)/"))
                #expect(branch.count <= issue.description.count + 1 + 50)
                let path = layout.path(for: issue)
                #expect(layout.contains(path))
                #expect(!(path as NSString).lastPathComponent.hasPrefix("-"))
                checked.append(branch)
            }
        }
        // git itself agrees with our check on a sample of the branches.
        for branch in Set(checked).sorted().prefix(150) {
            let output = try await GitRunner().run(
                ["check-ref-format", "--branch", branch], in: "/", allowedExitCodes: [0, 1, 128])
            #expect(output.status == 0, "git refuses \(branch)")
        }
    }

    @Test func hostileKeysNeverBecomeKeys() {
        // Checked independently of the validators: ^[A-Z][A-Z0-9]{1,9}$ and ^<that>-[1-9][0-9]*$.
        func isProjectKey(_ text: Substring) -> Bool {
            guard let first = text.first, ("A"..."Z").contains(first), (2...10).contains(text.count) else {
                return false
            }
            return text.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
        for text in Self.hostile + Self.randomTitles(count: 300) {
            if let parsed = IssueKey(parsing: text) {
                let parts = parsed.description.split(separator: "-", omittingEmptySubsequences: false)
                #expect(parts.count == 2 && isProjectKey(parts[0]), "\(parsed)")
                #expect(parts.count == 2 && parts[1].first != "0" && parts[1].allSatisfy { ("0"..."9").contains($0) })
            }
            if let key = try? ProjectKey(text) {
                #expect(isProjectKey(Substring(key.rawValue)), "\(key)")
            }
        }
    }

    @Test func refNameRulesMatchGit() async throws {
        let samples = [
            "a/b", "a//b", "-a", "a.lock", "a/.b", "a..b", "a b", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b",
            "a@{b", "a.", "a/", "/a", "ok-name_1.2/x",
        ]
        for sample in samples {
            let git = try await GitRunner().run(
                ["check-ref-format", "--branch", sample], in: "/", allowedExitCodes: [0, 1, 128])
            #expect(RefName.isValidBranch(sample) == (git.status == 0), "\(sample)")
        }
        // Stricter than git where it does not matter: `git check-ref-format --branch @` expands `@` to HEAD.
        #expect(!RefName.isValidBranch("@"))
    }
}
