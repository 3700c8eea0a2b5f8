// Package migrations holds Convene's database schema as goose migrations, one
// folder per SQL dialect (postgres/, sqlite/), embedded in the binary. Each
// change is a new numbered file in both folders, giving the same schema
// (the store's tests compare them); it holds SQL only and imports nothing
// of Convene's.
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
