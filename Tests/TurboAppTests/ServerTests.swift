import Foundation
import Logging
import Testing
import TurboApp
import TurboCore

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
}
