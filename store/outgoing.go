package store

import (
	"context"
	"strings"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/convene/convene/domain"
)

// outgoingRow is a delivery with its RSVP, event and group, read in one
// statement (outgoingSQL): each table's columns carry a prefix.
type outgoingRow struct {
	D        deliveryRow `gorm:"embedded;embeddedPrefix:d_"`
	R        rsvpRow     `gorm:"embedded;embeddedPrefix:r_"`
	E        eventRow    `gorm:"embedded;embeddedPrefix:e_"`
	G        groupRow    `gorm:"embedded;embeddedPrefix:g_"`
	OrgEmail string      `gorm:"column:org_email"`
}

// outgoingSQL selects the outgoingRow of the delivery ?: what an e-mail
// needs, in one round trip rather than one per table. The column lists
// come from the row types, so a column added to a table and its row type
// is read here too.
var outgoingSQL = sync.OnceValue(func() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, t := range []struct {
		alias string
		model any
	}{{"d", &deliveryRow{}}, {"r", &rsvpRow{}}, {"e", &eventRow{}}, {"g", &groupRow{}}} {
		s, err := schema.Parse(t.model, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			panic(err)
		}
		for _, f := range s.Fields {
			if f.DBName == "" || (!f.Creatable && !f.Updatable) { // not a column of the table
				continue
			}
			b.WriteString(t.alias + "." + f.DBName + " AS " + t.alias + "_" + f.DBName + ", ")
		}
	}
	// The organiser's address as organizerEmail gives it.
	b.WriteString(strings.Replace(positionSQL, "AS waitlist_position", "AS r_waitlist_position", 1) + `,
	CASE WHEN g.contact_email <> '' THEN g.contact_email ELSE ` + firstOwnerEmailSQL("g.id") + ` END AS org_email
	FROM deliveries d JOIN rsvps r ON r.id = d.rsvp_id JOIN events e ON e.id = d.event_id
	JOIN groups g ON g.id = e.group_id WHERE d.id = ?`)
	return b.String()
})

// LoadOutgoing returns a delivery with everything its e-mail needs
// (ENOTFOUND when the delivery, its RSVP or its event is gone). It is one
// statement, so one snapshot, and one round trip for the common e-mail;
// a follower's RSVP or a thank-you reads a little more.
func (db *DB) LoadOutgoing(ctx context.Context, id string) (domain.Outgoing, error) {
	key, err := db.replyKey(ctx)
	if err != nil {
		return domain.Outgoing{}, err
	}
	var out domain.Outgoing
	err = db.read(ctx, func(q *gorm.DB) error {
		var row outgoingRow
		res := q.Raw(outgoingSQL(), id).Scan(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		var err error
		out, err = db.outgoing(q, row.D, row.R, row.E, row.G, row.OrgEmail)
		if err != nil {
			return err
		}
		// The RSVP's first e-mail: its reply address starts to work.
		out.ReplyToken = domain.ReplyToken(key, row.R.ID)
		return fillReplyHashes(q, key, []rsvpRow{row.R})
	})
	return out, err
}
