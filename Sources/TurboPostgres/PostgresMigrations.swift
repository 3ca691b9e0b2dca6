import Logging
import PostgresNIO

/// The schema's history, the same tables and rules as the SQLite adapter's. Append-only.
enum PostgresMigrations {
    static let all: [(name: String, sql: String)] = [
        (
            "v1: projects, issues, dependencies, comments, work logs, events",
            """
            CREATE TABLE projects (
                id uuid PRIMARY KEY,
                key text NOT NULL UNIQUE CHECK (length(key) BETWEEN 2 AND 10),
                name text NOT NULL,
                repository_path text UNIQUE,
                base_branch text NOT NULL DEFAULT 'main',
                next_issue_number integer NOT NULL DEFAULT 1 CHECK (next_issue_number >= 1),
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            );
            CREATE TABLE issues (
                id uuid PRIMARY KEY,
                project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                number integer NOT NULL CHECK (number >= 1),
                key text NOT NULL UNIQUE,
                title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                description text NOT NULL DEFAULT '',
                type text NOT NULL
                    CHECK (type IN ('feature','bug','task','enhancement','documentation','discovery')),
                priority text NOT NULL CHECK (priority IN ('critical','high','medium','low')),
                status text NOT NULL
                    CHECK (status IN ('open','ready','assigned','in_progress','testing','review','closed')),
                capabilities text[] NOT NULL DEFAULT '{}',
                paths text[] NOT NULL DEFAULT '{}',
                created_by text,
                assigned_to text,
                work_rank integer CHECK (work_rank >= 1),
                closed_reason text CHECK (closed_reason IN ('done','merged','duplicate','wont_fix','obsolete')),
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                closed_at timestamptz,
                UNIQUE (project_id, number),
                CHECK ((status = 'closed') = (closed_reason IS NOT NULL))
            );
            CREATE INDEX issues_project_status ON issues(project_id, status);
            CREATE INDEX issues_status ON issues(status);
            CREATE TABLE dependencies (
                blocker_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                blocked_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                type text NOT NULL DEFAULT 'blocks',
                created_at timestamptz NOT NULL,
                PRIMARY KEY (blocker_id, blocked_id),
                CHECK (blocker_id <> blocked_id)
            );
            CREATE INDEX dependencies_blocked ON dependencies(blocked_id);
            CREATE TABLE comments (
                id uuid PRIMARY KEY,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                author text NOT NULL,
                body text NOT NULL,
                created_at timestamptz NOT NULL,
                seq bigserial
            );
            CREATE INDEX comments_issue ON comments(issue_id, created_at);
            CREATE TABLE work_logs (
                id uuid PRIMARY KEY,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                started_by text NOT NULL,
                started_at timestamptz NOT NULL,
                ended_at timestamptz,
                worktree_path text,
                branch_name text,
                commit_sha text,
                commit_url text,
                outcome text,
                input_tokens bigint,
                output_tokens bigint,
                cost_usd double precision,
                seq bigserial
            );
            CREATE INDEX work_logs_issue ON work_logs(issue_id, started_at);
            CREATE UNIQUE INDEX work_logs_one_active ON work_logs(issue_id) WHERE ended_at IS NULL;
            CREATE TABLE events (
                id bigserial PRIMARY KEY,
                type text NOT NULL,
                subject text NOT NULL,
                payload jsonb NOT NULL,
                created_at timestamptz NOT NULL
            );
            """
        ),
        (
            "v2: worktrees and predicted conflicts",
            """
            CREATE TABLE worktrees (
                id uuid PRIMARY KEY,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                path text NOT NULL,
                branch text NOT NULL,
                base_commit text NOT NULL,
                created_at timestamptz NOT NULL,
                removed_at timestamptz
            );
            CREATE UNIQUE INDEX worktrees_one_active ON worktrees(issue_id) WHERE removed_at IS NULL;
            CREATE UNIQUE INDEX worktrees_active_path ON worktrees(path) WHERE removed_at IS NULL;
            CREATE TABLE conflicts (
                id uuid PRIMARY KEY,
                project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                other_issue_id uuid REFERENCES issues(id) ON DELETE CASCADE,
                commits text[] NOT NULL,
                paths text[] NOT NULL,
                detected_at timestamptz NOT NULL,
                resolved_at timestamptz
            );
            CREATE INDEX conflicts_active ON conflicts(project_id) WHERE resolved_at IS NULL;
            """
        ),
        (
            "v3: merge simulation cache",
            """
            CREATE TABLE merge_checks (
                project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                pair text NOT NULL,
                paths text[] NOT NULL,
                PRIMARY KEY (project_id, pair)
            );
            """
        ),
        (
            "v4: API tokens",
            """
            CREATE TABLE tokens (
                id uuid PRIMARY KEY,
                role text NOT NULL CHECK (role IN ('admin', 'agent')),
                agent_id text,
                name text,
                token_hash text NOT NULL UNIQUE,
                prefix text NOT NULL,
                created_at timestamptz NOT NULL,
                revoked_at timestamptz,
                CHECK ((role = 'agent') = (agent_id IS NOT NULL))
            );
            """
        ),
        (
            "v5: leases",
            """
            CREATE TABLE leases (
                id uuid PRIMARY KEY,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                agent_id text NOT NULL,
                epoch integer NOT NULL CHECK (epoch >= 1),
                acquired_at timestamptz NOT NULL,
                heartbeat_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                released_at timestamptz,
                release_reason text,
                UNIQUE (issue_id, epoch)
            );
            CREATE UNIQUE INDEX leases_one_live_per_issue ON leases(issue_id) WHERE released_at IS NULL;
            """
        ),
        (
            "v6: webhooks",
            """
            CREATE TABLE webhooks (
                id uuid PRIMARY KEY,
                url text NOT NULL,
                events text[] NOT NULL DEFAULT '{}',
                description text,
                secret text NOT NULL,
                previous_secret text,
                previous_secret_expires_at timestamptz,
                allow_private boolean NOT NULL DEFAULT false,
                enabled boolean NOT NULL DEFAULT true,
                disabled_reason text,
                cursor bigint NOT NULL DEFAULT 0,
                failing_since timestamptz,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            );
            CREATE TABLE webhook_deliveries (
                id uuid PRIMARY KEY,
                webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                event_id bigint NOT NULL,
                event_type text NOT NULL,
                status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz,
                last_attempt_at timestamptz,
                response_status integer,
                response_body text,
                error text,
                created_at timestamptz NOT NULL,
                delivered_at timestamptz,
                UNIQUE (webhook_id, event_id)
            );
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
            """
        ),
        (
            "v7: webhook claims",
            """
            ALTER TABLE webhooks ADD COLUMN claimed_by text, ADD COLUMN claimed_until timestamptz;
            CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(webhook_id, status, event_id);
            """
        ),
        (
            "v8: checks",
            """
            CREATE TABLE checks (
                id uuid PRIMARY KEY,
                issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                kind text NOT NULL,
                passed boolean NOT NULL,
                summary text NOT NULL,
                evidence jsonb NOT NULL,
                actor text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE INDEX checks_issue ON checks(issue_id, created_at);
            CREATE INDEX checks_time ON checks(created_at);
            """
        ),
        (
            "v9: claimable issues",
            """
            ALTER TABLE issues ADD COLUMN open_blockers INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE issues ADD COLUMN blocks_open INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE issues ADD COLUMN score_static float8 NOT NULL DEFAULT 0;
            ALTER TABLE issues ADD COLUMN score_base float8 NOT NULL DEFAULT 0;
            UPDATE issues SET open_blockers = (
                SELECT COUNT(*) FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                WHERE d.blocked_id = issues.id
                    AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
            ), blocks_open = (
                SELECT COUNT(*) FROM dependencies d JOIN issues c ON c.id = d.blocked_id
                WHERE d.blocker_id = issues.id AND c.status <> 'closed'
            );
            UPDATE issues SET score_static = (CASE priority WHEN 'critical' THEN 100 WHEN 'high' THEN 50 WHEN 'medium' THEN 25 ELSE 10 END) + 20 + 5 * blocks_open,
                score_base = (CASE priority WHEN 'critical' THEN 100 WHEN 'high' THEN 50 WHEN 'medium' THEN 25 ELSE 10 END) + 20 + 5 * blocks_open - 0.5 * EXTRACT(EPOCH FROM created_at)::float8 / 86400.0;
            CREATE INDEX issues_claim_by_score ON issues (project_id, score_base DESC)
                WHERE status = 'ready' AND open_blockers = 0;
            CREATE INDEX issues_claim_by_static ON issues (project_id, score_static DESC)
                WHERE status = 'ready' AND open_blockers = 0;
            CREATE INDEX issues_claim_by_rank ON issues (project_id, work_rank)
                WHERE status = 'ready' AND open_blockers = 0 AND work_rank IS NOT NULL;
            """
        ),
        (
            "v10: claim indexes in queue order",
            """
            DROP INDEX issues_claim_by_score;
            DROP INDEX issues_claim_by_static;
            DROP INDEX issues_claim_by_rank;
            CREATE INDEX issues_claim_by_score ON issues (project_id, score_base DESC, created_at, number)
                WHERE status = 'ready' AND open_blockers = 0;
            CREATE INDEX issues_claim_by_static ON issues (project_id, score_static DESC, created_at, number)
                WHERE status = 'ready' AND open_blockers = 0;
            CREATE INDEX issues_claim_by_rank ON issues (project_id, work_rank, score_base DESC, created_at, number)
                WHERE status = 'ready' AND open_blockers = 0 AND work_rank IS NOT NULL;
            CREATE INDEX issues_claim_by_age ON issues (project_id, created_at)
                WHERE status = 'ready' AND open_blockers = 0 AND work_rank IS NULL;
            """
        ),
        ("v11: events by subject", "CREATE INDEX events_subject ON events (subject, id)"),
    ]

    /// Applies the missing migrations in one transaction, serialized across processes by an advisory lock.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresLocks.migrations))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS turbocode_migrations (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: [String] = []
            for try await name in try await connection.query(
                "SELECT name FROM turbocode_migrations ORDER BY applied_at, name", logger: logger
            ).decode(String.self) {
                applied.append(name)
            }
            for migration in all where !applied.contains(migration.name) {
                logger.info("Applying migration", metadata: ["migration.name": "\(migration.name)"])
                // The extended protocol takes one statement at a time.
                for statement in migration.sql.split(separator: ";\n") where !statement.allSatisfy(\.isWhitespace) {
                    try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO turbocode_migrations (name) VALUES (\(migration.name))", logger: logger)
                applied.append(migration.name)
            }
            return applied
        }
    }
}

/// Advisory lock keys, one per purpose.
enum PostgresLocks {
    /// Held while migrating.
    static let migrations = 742_001
    /// The `LISTEN`/`NOTIFY` channel told of every commit that wrote events.
    static let eventChannel = "turbocode_events"
}
