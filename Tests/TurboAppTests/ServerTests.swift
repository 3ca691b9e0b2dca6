import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TurboApp
import TurboCore
import TurboGit
import TurboHTTP
import TurboServices

@Suite(.timeLimit(.minutes(1)))
struct ServerTests {
    @Test func firstStartWritesAnAdminTokenOnlyOnce() async throws {
        let sandbox = try GitSandbox(name: "serve")
        defer { sandbox.remove() }
        let repository = try Repository.locate(from: sandbox.root.path)
        try await TurboApp.withStore(repository.defaultDatabase, logger: Logger(label: "test")) { store in
            let path = try #require(try await Server.ensureAdminToken(repository: repository, store: store))
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let secret = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            #expect(try await TokenService.authenticate(secret, store: store)?.role == .admin)
            #expect(try await Server.ensureAdminToken(repository: repository, store: store) == nil)
            #expect(try await store.tokens().count == 1)
        }
        #expect(Server.isLoopback("127.0.0.1") && Server.isLoopback("::1") && !Server.isLoopback("0.0.0.0"))
    }

    /// The worktree and conflict routes on a real repository: list, detail with git status, the no-lost-work rule,
    /// forced removal, conflicts.
    @Test func worktreeRoutesHonourTheNoLostWorkRule() async throws {
        try await WorktreeServiceTests.withService(worktreesYAML: "") { service, _ in
            let secret = try await TokenService.create(
                role: .admin, agentID: nil, name: "t", store: service.store
            ).secret
            _ = try await service.store.createIssue(NewIssue(project: .key(try ProjectKey("SVC")), title: "Second"))
            var paths: [String] = []
            for key in ["SVC-1", "SVC-2"] {
                let created = try await service.create(try IssueRef(parsing: key))
                try "\(key)\n".write(toFile: created.record.path + "/shared.txt", atomically: true, encoding: .utf8)
                try await GitRunner().run(["add", "-A"], in: created.record.path)
                try await GitRunner().run(
                    ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", key], in: created.record.path)
                paths.append(created.record.path)
            }
            _ = try await service.predictConflicts()
            let worktreePaths = paths
            let configuration = try Server.configuration(
                store: service.store, repository: service.repository, options: Server.Options(),
                logger: Logger(label: "test"))
            let app = Application(router: buildRouter(configuration))
            let admin: HTTPFields = [.authorization: "Bearer \(secret)"]
            try await app.test(.router) { client in
                let list = try await client.execute(uri: "/api/v1/worktrees", method: .get)
                let listed =
                    try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [[String: Any]]
                #expect(listed?.compactMap { $0["issue"] as? String }.sorted() == ["SVC-1", "SVC-2"])

                let detail = try await client.execute(uri: "/api/v1/worktrees/svc-1", method: .get)
                let document = try JSONSerialization.jsonObject(with: Data(detail.body.readableBytesView))
                let status = (document as? [String: Any])?["status"] as? [String: Any]
                #expect(detail.status == .ok && status?["ahead"] as? Int == 1 && status?["behind"] as? Int == 0)
                #expect((document as? [String: Any])?["path"] as? String == worktreePaths[0])

                let conflicts = try await client.execute(uri: "/api/v1/conflicts", method: .get)
                let pairs = try JSONSerialization.jsonObject(with: Data(conflicts.body.readableBytesView))
                #expect((pairs as? [[String: Any]])?.first?["paths"] as? [String] == ["shared.txt"])

                // Unmerged commits: refused, and the worktree stays.
                let refused = try await client.execute(uri: "/api/v1/worktrees/SVC-1", method: .delete, headers: admin)
                #expect(refused.status == .conflict)
                #expect(String(buffer: refused.body).contains("worktree_has_work"))
                #expect(FileManager.default.fileExists(atPath: worktreePaths[0]))

                let forced = try await client.execute(
                    uri: "/api/v1/worktrees/SVC-1?force=true", method: .delete, headers: admin)
                let removal = try JSONSerialization.jsonObject(with: Data(forced.body.readableBytesView))
                #expect(forced.status == .ok && (removal as? [String: Any])?["branch_deleted"] as? Bool == false)
                #expect(!FileManager.default.fileExists(atPath: worktreePaths[0]))

                let gone = try await client.execute(uri: "/api/v1/worktrees/SVC-1", method: .get)
                #expect(gone.status == .notFound && String(buffer: gone.body).contains("SVC-1 has no worktree"))
                let unknown = try await client.execute(uri: "/api/v1/worktrees/SVC-9", method: .get)
                #expect(unknown.status == .notFound)
                let badForce = try await client.execute(
                    uri: "/api/v1/worktrees/SVC-2?force=maybe", method: .delete, headers: admin)
                #expect(badForce.status == .badRequest && FileManager.default.fileExists(atPath: worktreePaths[1]))
            }
        }
    }
}
