import GRDB

/// The journal's tables. Migrations only ever add, so an older database opens in a newer daemon.
enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        wall_time TEXT NOT NULL,
                        control_ns INTEGER NOT NULL,
                        boot INTEGER NOT NULL,
                        uid INTEGER, pid INTEGER, role TEXT,
                        type TEXT NOT NULL,
                        details TEXT NOT NULL,
                        hash TEXT NOT NULL);
                    CREATE TABLE ledger (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        control_ns INTEGER NOT NULL,
                        picograms INTEGER NOT NULL CHECK (picograms >= 0),
                        program INTEGER NOT NULL);
                    CREATE INDEX ledger_by_time ON ledger(control_ns);
                    CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 1), control_ns INTEGER NOT NULL, body TEXT NOT NULL);
                    """)
        }
        // The patient each record's drug was given to (DESIGN.md rule 10): a restart counts only
        // the present patient's against the caps. 0: before patients were recorded.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE ledger ADD COLUMN patient INTEGER NOT NULL DEFAULT 0")
        }
        // Tamper evidence (DESIGN.md rule 11): every ledger record carries the totals after it and
        // a MAC chained to the record before; the state a MAC; values the daemon could not trust
        // are kept in quarantine. Events are found by control time for retention.
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    ALTER TABLE ledger ADD COLUMN total_after INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE ledger ADD COLUMN program_total_after INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE ledger ADD COLUMN mac TEXT NOT NULL DEFAULT '';
                    CREATE INDEX ledger_by_program ON ledger(program, id);
                    ALTER TABLE state ADD COLUMN mac TEXT NOT NULL DEFAULT '';
                    CREATE TABLE quarantine (id INTEGER PRIMARY KEY AUTOINCREMENT, wall_time TEXT NOT NULL, what TEXT NOT NULL, body TEXT NOT NULL);
                    CREATE INDEX event_by_time ON event(control_ns);
                    """)
        }
        // The saved state names the newest ledger record when it was saved, under its MAC: an
        // older state put back is found by how far the ledger has gone since (red team, issue 15
        // F2: a state saved before a start, put back after it, ran the program again from zero).
        migrator.registerMigration("v4") { db in
            try db.execute(sql: "ALTER TABLE state ADD COLUMN ledger_id INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }
}
