package store

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// dialectItem is a row of the table items.
type dialectItem struct {
	ID        string `gorm:"primaryKey"`
	Group     string `gorm:"column:group"` // a keyword: must be quoted
	Email     string
	Status    string
	Seq       int `gorm:"default:7"` // the database's default, read back by RETURNING
	CreatedAt time.Time
}

func (dialectItem) TableName() string { return "items" }

func openDialectDB(t *testing.T) *gorm.DB {
	t.Helper()
	sdb, err := sql.Open(sqliteDriver, "file:"+filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	sdb.SetMaxOpenConns(1)
	t.Cleanup(func() { sdb.Close() })
	if _, err := sdb.Exec("CREATE TABLE items (id text PRIMARY KEY, `group` text NOT NULL, email text NOT NULL, status text NOT NULL, seq integer NOT NULL DEFAULT 7, created_at timestamp NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`CREATE UNIQUE INDEX items_live ON items (email) WHERE status <> 'cancelled'`); err != nil {
		t.Fatal(err)
	}
	db, err := gorm.Open(sqliteGORM{conn: sdb}, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSQLiteDialectQueries: the statements Convene's store has GORM build run on SQLite
// and do what they say.
func TestSQLiteDialectQueries(t *testing.T) {
	db := openDialectDB(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	a := dialectItem{ID: "a", Group: "g", Email: "a@example.org", Status: "going", CreatedAt: at}
	if err := db.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	if a.Seq != 7 {
		t.Errorf("Seq after Create = %d, want the default 7 (RETURNING)", a.Seq)
	}

	// ON CONFLICT on a partial unique index, as store.liveEmailConflict.
	live := clause.OnConflict{Columns: []clause.Column{{Name: "email"}},
		TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "status <> 'cancelled'"}}}, DoNothing: true}
	dup := dialectItem{ID: "b", Group: "g", Email: "a@example.org", Status: "going", CreatedAt: at}
	if res := db.Clauses(live).Create(&dup); res.Error != nil || res.RowsAffected != 0 {
		t.Fatalf("a second live item: %d rows, %v; want none, no error", res.RowsAffected, res.Error)
	}
	if res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&a); res.Error != nil || res.RowsAffected != 0 {
		t.Fatalf("the same key again: %d rows, %v", res.RowsAffected, res.Error)
	}

	// Save updates a row, or inserts it.
	a.Status = "cancelled"
	if err := db.Save(&a).Error; err != nil {
		t.Fatal(err)
	}
	c := dialectItem{ID: "c", Group: "h", Email: "a@example.org", Status: "going", CreatedAt: at}
	if err := db.Save(&c).Error; err != nil {
		t.Fatal(err)
	}

	// Updates, Take, Find with LIMIT and OFFSET, and times read back equal.
	if err := db.Model(&dialectItem{}).Where("id = ?", "c").Updates(map[string]any{"group": "i", "seq": 9}).Error; err != nil {
		t.Fatal(err)
	}
	var got dialectItem
	if err := db.Where(clause.Eq{Column: clause.Column{Name: "group"}, Value: "i"}).Take(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.ID != "c" || got.Seq != 9 || !got.CreatedAt.Equal(at) {
		t.Errorf("read back %+v", got)
	}
	var page []dialectItem
	if err := db.Order("id").Offset(1).Find(&page).Error; err != nil || len(page) != 1 || page[0].ID != "c" {
		t.Fatalf("OFFSET without LIMIT: %+v %v", page, err)
	}
	if err := db.Order("id").Limit(1).Offset(1).Find(&page).Error; err != nil || len(page) != 1 || page[0].ID != "c" {
		t.Fatalf("LIMIT 1 OFFSET 1: %+v %v", page, err)
	}
	var locked dialectItem
	if err := db.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&locked, "id = ?", "a").Error; err != nil {
		t.Fatalf("FOR UPDATE is left out on SQLite: %v", err)
	}

	// Raw with RETURNING and Scan.
	var ids []string
	if err := db.Raw("UPDATE items SET seq = seq + 1 WHERE `group` IN ? RETURNING id", []string{"g", "i"}).Scan(&ids).Error; err != nil || len(ids) != 2 {
		t.Fatalf("RETURNING: %v %v", ids, err)
	}
}

// TestSQLiteDialectNestedTransaction: a transaction inside one is a savepoint; its
// failure undoes only its own work.
func TestSQLiteDialectNestedTransaction(t *testing.T) {
	db := openDialectDB(t)
	now := time.Now().UTC()
	oops := errors.New("oops")
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&dialectItem{ID: "kept", Group: "g", Email: "k@example.org", Status: "going", CreatedAt: now}).Error; err != nil {
			return err
		}
		if err := tx.Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&dialectItem{ID: "undone", Group: "g", Email: "u@example.org", Status: "going", CreatedAt: now}).Error; err != nil {
				return err
			}
			return oops
		}); !errors.Is(err, oops) {
			t.Errorf("inner transaction: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := db.Model(&dialectItem{}).Order("id").Pluck("id", &ids).Error; err != nil || len(ids) != 1 || ids[0] != "kept" {
		t.Fatalf("rows %v (%v), want only the outer transaction's", ids, err)
	}
	if !db.Migrator().HasTable("items") || !db.Migrator().HasColumn(&dialectItem{}, "Group") || !db.Migrator().HasIndex(&dialectItem{}, "items_live") {
		t.Error("the migrator does not see the table, its column or its index")
	}
}
