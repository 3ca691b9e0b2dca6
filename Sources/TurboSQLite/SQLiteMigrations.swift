import GRDB

/// The schema's history. Append-only: a migration that has shipped is never edited; change the schema with a new one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: projects, issues, dependencies, comments, work logs, events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE projects (
                        id TEXT PRIMARY KEY NOT NULL,
                        key TEXT NOT NULL UNIQUE CHECK (length(key) BETWEEN 2 AND 10),
                        name TEXT NOT NULL,
                        repository_path TEXT UNIQUE,
                        base_branch TEXT NOT NULL DEFAULT 'main',
                        next_issue_number INTEGER NOT NULL DEFAULT 1 CHECK (next_issue_number >= 1),
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE issues (
                        id TEXT PRIMARY KEY NOT NULL,
                        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL CHECK (number >= 1),
                        key TEXT NOT NULL UNIQUE,
                        title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
                        description TEXT NOT NULL DEFAULT '',
                        type TEXT NOT NULL
                            CHECK (type IN ('feature','bug','task','enhancement','documentation','discovery')),
                        priority TEXT NOT NULL CHECK (priority IN ('critical','high','medium','low')),
                        status TEXT NOT NULL
                            CHECK (status IN ('open','ready','assigned','in_progress','testing','review','closed')),
                        capabilities TEXT NOT NULL DEFAULT '[]',
                        paths TEXT NOT NULL DEFAULT '[]',
                        created_by TEXT,
                        assigned_to TEXT,
                        work_rank INTEGER CHECK (work_rank >= 1),
                        closed_reason TEXT CHECK (closed_reason IN ('done','merged','duplicate','wont_fix','obsolete')),
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL,
                        closed_at TEXT,
                        UNIQUE (project_id, number),
                        CHECK ((status = 'closed') = (closed_reason IS NOT NULL))
                    );
                    CREATE INDEX issues_project_status ON issues(project_id, status);
                    CREATE INDEX issues_status ON issues(status);
                    CREATE TABLE dependencies (
                        blocker_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        blocked_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        type TEXT NOT NULL DEFAULT 'blocks',
                        created_at TEXT NOT NULL,
                        PRIMARY KEY (blocker_id, blocked_id),
                        CHECK (blocker_id <> blocked_id)
                    );
                    CREATE INDEX dependencies_blocked ON dependencies(blocked_id);
                    CREATE TABLE comments (
                        id TEXT PRIMARY KEY NOT NULL,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        author TEXT NOT NULL,
                        body TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    CREATE INDEX comments_issue ON comments(issue_id, created_at);
                    CREATE TABLE work_logs (
                        id TEXT PRIMARY KEY NOT NULL,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        started_by TEXT NOT NULL,
                        started_at TEXT NOT NULL,
                        ended_at TEXT,
                        worktree_path TEXT,
                        branch_name TEXT,
                        commit_sha TEXT,
                        commit_url TEXT,
                        outcome TEXT,
                        input_tokens INTEGER,
                        output_tokens INTEGER,
                        cost_usd REAL
                    );
                    CREATE INDEX work_logs_issue ON work_logs(issue_id, started_at);
                    CREATE UNIQUE INDEX work_logs_one_active ON work_logs(issue_id) WHERE ended_at IS NULL;
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        type TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: worktrees and predicted conflicts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE worktrees (
                        id TEXT PRIMARY KEY NOT NULL,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        path TEXT NOT NULL,
                        branch TEXT NOT NULL,
                        base_commit TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        removed_at TEXT
                    );
                    CREATE UNIQUE INDEX worktrees_one_active ON worktrees(issue_id) WHERE removed_at IS NULL;
                    CREATE UNIQUE INDEX worktrees_active_path ON worktrees(path) WHERE removed_at IS NULL;
                    CREATE TABLE conflicts (
                        id TEXT PRIMARY KEY NOT NULL,
                        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        other_issue_id TEXT REFERENCES issues(id) ON DELETE CASCADE,
                        commits TEXT NOT NULL,
                        paths TEXT NOT NULL,
                        detected_at TEXT NOT NULL,
                        resolved_at TEXT
                    );
                    CREATE INDEX conflicts_active ON conflicts(project_id) WHERE resolved_at IS NULL;
                    """)
        }
        migrator.registerMigration("v3: merge simulation cache") { db in
            try db.execute(
                sql: """
                    CREATE TABLE merge_checks (
                        project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
                        pair TEXT NOT NULL,
                        paths TEXT NOT NULL,
                        PRIMARY KEY (project_id, pair)
                    );
                    """)
        }
        migrator.registerMigration("v4: API tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tokens (
                        id TEXT PRIMARY KEY NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
                        agent_id TEXT,
                        name TEXT,
                        token_hash TEXT NOT NULL UNIQUE,
                        prefix TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT,
                        CHECK ((role = 'agent') = (agent_id IS NOT NULL))
                    );
                    """)
        }
        migrator.registerMigration("v5: leases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE leases (
                        id TEXT PRIMARY KEY NOT NULL,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        agent_id TEXT NOT NULL,
                        epoch INTEGER NOT NULL CHECK (epoch >= 1),
                        acquired_at TEXT NOT NULL,
                        heartbeat_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL,
                        released_at TEXT,
                        release_reason TEXT,
                        UNIQUE (issue_id, epoch)
                    );
                    CREATE UNIQUE INDEX leases_one_live_per_issue ON leases(issue_id) WHERE released_at IS NULL;
                    """)
        }
        migrator.registerMigration("v6: webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhooks (
                        id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        events TEXT NOT NULL DEFAULT '[]',
                        description TEXT,
                        secret TEXT NOT NULL,
                        previous_secret TEXT,
                        previous_secret_expires_at TEXT,
                        allow_private INTEGER NOT NULL DEFAULT 0,
                        enabled INTEGER NOT NULL DEFAULT 1,
                        disabled_reason TEXT,
                        cursor INTEGER NOT NULL DEFAULT 0,
                        failing_since TEXT,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE webhook_deliveries (
                        id TEXT PRIMARY KEY NOT NULL,
                        webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
                        event_id INTEGER NOT NULL,
                        event_type TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at TEXT,
                        last_attempt_at TEXT,
                        response_status INTEGER,
                        response_body TEXT,
                        error TEXT,
                        created_at TEXT NOT NULL,
                        delivered_at TEXT,
                        UNIQUE (webhook_id, event_id)
                    );
                    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
                    """)
        }
        migrator.registerMigration("v7: webhook claims") { db in
            try db.execute(
                sql: """
                    ALTER TABLE webhooks ADD COLUMN claimed_by TEXT;
                    ALTER TABLE webhooks ADD COLUMN claimed_until TEXT;
                    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(webhook_id, status, event_id);
                    """)
        }
        migrator.registerMigration("v8: checks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE checks (
                        id TEXT PRIMARY KEY,
                        issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        passed INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        evidence TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    CREATE INDEX checks_issue ON checks(issue_id, created_at);
                    CREATE INDEX checks_time ON checks(created_at);
                    """)
        }
        // Eligibility and the time-free parts of the score, kept by the transactions that change them, so a claim
        // reads the next issue from an index instead of ranking the queue (see SQLStore+Claims.swift).
        migrator.registerMigration("v9: claimable issues") { db in
            try db.execute(
                sql: """
                    ALTER TABLE issues ADD COLUMN open_blockers INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE issues ADD COLUMN blocks_open INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE issues ADD COLUMN score_static REAL NOT NULL DEFAULT 0;
                    ALTER TABLE issues ADD COLUMN score_base REAL NOT NULL DEFAULT 0;
                    UPDATE issues SET open_blockers = (
                        SELECT COUNT(*) FROM dependencies d JOIN issues b ON b.id = d.blocker_id
                        WHERE d.blocked_id = issues.id
                            AND NOT (b.status = 'closed' AND b.closed_reason IN ('done', 'merged'))
                    ), blocks_open = (
                        SELECT COUNT(*) FROM dependencies d JOIN issues c ON c.id = d.blocked_id
                        WHERE d.blocker_id = issues.id AND c.status <> 'closed'
                    );
                    UPDATE issues SET score_static = (CASE priority WHEN 'critical' THEN 100 WHEN 'high' THEN 50 WHEN 'medium' THEN 25 ELSE 10 END) + 20 + 5 * blocks_open,
                        score_base = (CASE priority WHEN 'critical' THEN 100 WHEN 'high' THEN 50 WHEN 'medium' THEN 25 ELSE 10 END) + 20 + 5 * blocks_open - 0.5 * ((julianday(created_at) - 2440587.5) * 86400.0) / 86400.0;
                    CREATE INDEX issues_claim_by_score ON issues (project_id, score_base DESC)
                        WHERE status = 'ready' AND open_blockers = 0;
                    CREATE INDEX issues_claim_by_static ON issues (project_id, score_static DESC)
                        WHERE status = 'ready' AND open_blockers = 0;
                    CREATE INDEX issues_claim_by_rank ON issues (project_id, work_rank)
                        WHERE status = 'ready' AND open_blockers = 0 AND work_rank IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v10: claim indexes in queue order") { db in
            try db.execute(
                sql: """
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
                    """)
        }
        migrator.registerMigration("v11: events by subject") { db in
            try db.execute(sql: "CREATE INDEX events_subject ON events (subject, id)")
        }
        return migrator
    }
}
