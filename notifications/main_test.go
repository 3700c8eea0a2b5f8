package notifications

import (
	"testing"

	"github.com/convene/convene/store/storetest"
)

// TestMain gives the package's PostgreSQL tests a database of their own.
func TestMain(m *testing.M) { storetest.Main(m) }
