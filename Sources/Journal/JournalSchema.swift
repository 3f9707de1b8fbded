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
        return migrator
    }
}
