// Package migrations holds Convene's database schema as goose migrations, one
// folder per SQL dialect, embedded in the binary.
package migrations

import "embed"

// Postgres holds the PostgreSQL migrations under "postgres".
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite holds the SQLite migrations under "sqlite".
//
//go:embed sqlite/*.sql
var SQLite embed.FS
