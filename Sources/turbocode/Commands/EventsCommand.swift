import ArgumentParser
import Foundation
import TurboApp
import TurboCore
import TurboServices

extension Turbocode {
    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The event log, oldest first; --follow keeps printing new events as any process writes them.",
            discussion: """
                Every change writes an event in the same transaction (issue.created, issue.ready, worktree.created, \
                conflict.detected, …). Without --after the listing starts at the beginning; with --follow and no \
                --after, only new events are printed. --follow reads the database directly (no server needed) and \
                runs until interrupted; with --json it prints one JSON object per line.
                """)
        @OptionGroup var global: GlobalOptions

        @Option(help: "Print events with a greater id only.") var after: Int64?
        @Option(help: "At most this many events (1–10000; not with --follow).") var limit = 100
        @Flag(help: "Keep printing new events until interrupted.") var follow = false

        func validate() throws {
            if let after, after < 0 { throw ValidationError("--after must be 0 or more") }
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1–10000") }
        }

        func run() async throws {
            let global = global
            let (after, limit, follow) = (after, limit, follow)
            try await global.withStore { store, _ in
                guard follow else {
                    let events = try await store.events(after: after ?? 0, limit: limit)
                    try global.emit(
                        events.map { EventDocument(event: $0) },
                        text: events.isEmpty ? "No events." : events.map(Self.line).joined(separator: "\n"))
                    return
                }
                let feed = EventFeed(store: store, pollInterval: .milliseconds(100))
                let subscription = try await feed.subscribe()
                var cursor = after ?? subscription.position
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await feed.run() }
                    while cursor < subscription.position {
                        let page = try await store.events(after: cursor, limit: 500)
                        for event in page { try Self.print(event, json: global.json) }
                        guard let last = page.last else { break }
                        cursor = last.id
                    }
                    for await published in subscription.events where published.event.id > cursor {
                        Output.line(global.json ? published.json : Self.line(published.event))
                        cursor = published.event.id
                    }
                    group.cancelAll()
                }
            }
        }

        static func print(_ event: Event, json: Bool) throws {
            if json {
                Output.line(
                    String(
                        decoding: try JSONEncoder.turbo(pretty: false).encode(EventDocument(event: event)),
                        as: UTF8.self))
            } else {
                Output.line(line(event))
            }
        }

        static func line(_ event: Event) -> String {
            "\(event.id)\t\(Format.date(event.createdAt))\t\(event.type)\t\(event.subject)"
        }
    }
}
