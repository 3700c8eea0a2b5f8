package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

type eventPersonRow struct {
	ID          string  `gorm:"column:id;primaryKey"`
	EventID     string  `gorm:"column:event_id"`
	Role        string  `gorm:"column:role"`
	OrganiserID *string `gorm:"column:organiser_id"`
	Name        string  `gorm:"column:name"`
	Email       string  `gorm:"column:email"`
	EmailNorm   string  `gorm:"column:email_norm"`
	TalkTitle   string  `gorm:"column:talk_title"`
	SlidesURL   string  `gorm:"column:slides_url"`
	Position    int     `gorm:"column:position"`
}

func (eventPersonRow) TableName() string { return "event_people" }

func (r eventPersonRow) toDomain() domain.EventPerson {
	p := domain.EventPerson{ID: r.ID, Role: domain.PersonRole(r.Role), Name: r.Name, Email: r.Email, TalkTitle: r.TalkTitle, SlidesURL: r.SlidesURL}
	if r.OrganiserID != nil {
		p.OrganiserID = *r.OrganiserID
	}
	return p
}

// hostRow is a host as derivation and the people list see them: the
// organiser's current name and address, or what was kept when the
// organiser is gone.
type hostRow struct {
	OrganiserID *string `gorm:"column:organiser_id"`
	Name        string  `gorm:"column:name"`
	Email       string  `gorm:"column:email"`
	EmailNorm   string  `gorm:"column:email_norm"`
}

// SetEventPeople replaces the people with a role in an event of a group
// the organiser belongs to: its hosts (organisers who are members of the
// group), speakers and volunteers, in the order given. Errors: ENOTFOUND
// for events the organiser cannot see; EINVALID for bad input, including
// hosts[i] who are not members of the group. Changing the people of an
// event that is over brings its contribution records up to date at the
// next derivation.
func (db *DB) SetEventPeople(ctx context.Context, organiserID, eventID string, in domain.EventPeopleInput) (domain.EventPeople, bool, error) {
	if err := in.Validate(); err != nil {
		return domain.EventPeople{}, false, err
	}
	var (
		people      domain.EventPeople
		defaultHost bool
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		hosts := map[string]hostRow{}
		if len(in.HostIDs) > 0 {
			var rows []hostRow
			if err := tx.Raw(`SELECT o.id AS organiser_id, o.name, o.email, o.email_norm FROM group_members m
				JOIN organisers o ON o.id = m.organiser_id WHERE m.group_id = ? AND m.organiser_id IN ?`,
				ev.GroupID, in.HostIDs).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				hosts[*r.OrganiserID] = r
			}
			var v domain.Validation
			for i, id := range in.HostIDs {
				if _, ok := hosts[id]; !ok {
					v.Add(fmt.Sprintf("hosts[%d]", i), "is not a member of the event's group")
				}
			}
			if err := v.Err(); err != nil {
				return err
			}
		}
		if err := tx.Exec(`DELETE FROM event_people WHERE event_id = ?`, ev.ID).Error; err != nil {
			return err
		}
		var rows []eventPersonRow
		for i, id := range in.HostIDs {
			h, oid := hosts[id], id
			rows = append(rows, eventPersonRow{ID: domain.NewID(), EventID: ev.ID, Role: string(domain.RoleHost), OrganiserID: &oid,
				Name: h.Name, Email: h.Email, EmailNorm: h.EmailNorm, Position: i})
		}
		add := func(role domain.PersonRole, list []domain.PersonInput) {
			for i, p := range list {
				rows = append(rows, eventPersonRow{ID: domain.NewID(), EventID: ev.ID, Role: string(role),
					Name: strings.TrimSpace(p.Name), Email: strings.TrimSpace(p.Email), EmailNorm: domain.NormalizeEmail(p.Email),
					TalkTitle: strings.TrimSpace(p.TalkTitle), SlidesURL: strings.TrimSpace(p.SlidesURL), Position: i})
			}
		}
		add(domain.RoleSpeaker, in.Speakers)
		add(domain.RoleVolunteer, in.Volunteers)
		if len(rows) > 0 {
			if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
				return err
			}
		}
		// The records of an event that is over follow its people.
		if err := db.attendanceChanged(tx, ev.ID); err != nil {
			return err
		}
		people, defaultHost, err = db.eventPeople(tx, ev)
		return err
	})
	return people, defaultHost, err
}

// FindEventPeople returns the people with a role in an event of a group
// the organiser belongs to. When no hosts were set, the group's owners are
// its hosts, and defaultHosts says so.
func (db *DB) FindEventPeople(ctx context.Context, organiserID, eventID string) (people domain.EventPeople, defaultHosts bool, err error) {
	err = db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		people, defaultHosts, err = db.eventPeople(tx, ev)
		return err
	})
	return people, defaultHosts, err
}

// eventPeople reads an event's people; hosts carry the organiser's current
// name and address.
func (db *DB) eventPeople(tx *gorm.DB, ev eventRow) (domain.EventPeople, bool, error) {
	var rows []eventPersonRow
	if err := tx.Raw(`SELECT p.id, p.event_id, p.role, p.organiser_id,
			CASE WHEN o.id IS NULL THEN p.name ELSE o.name END AS name,
			CASE WHEN o.id IS NULL THEN p.email ELSE o.email END AS email,
			CASE WHEN o.id IS NULL THEN p.email_norm ELSE o.email_norm END AS email_norm,
			p.talk_title, p.slides_url, p.position
		FROM event_people p LEFT JOIN organisers o ON o.id = p.organiser_id
		WHERE p.event_id = ? ORDER BY p.role, p.position, p.id`, ev.ID).Scan(&rows).Error; err != nil {
		return domain.EventPeople{}, false, err
	}
	people := domain.EventPeople{Hosts: []domain.EventPerson{}, Speakers: []domain.EventPerson{}, Volunteers: []domain.EventPerson{}}
	for _, r := range rows {
		switch domain.PersonRole(r.Role) {
		case domain.RoleHost:
			people.Hosts = append(people.Hosts, r.toDomain())
		case domain.RoleSpeaker:
			people.Speakers = append(people.Speakers, r.toDomain())
		case domain.RoleVolunteer:
			people.Volunteers = append(people.Volunteers, r.toDomain())
		}
	}
	if len(people.Hosts) > 0 {
		return people, false, nil
	}
	owners, err := db.groupOwners(tx, ev.GroupID)
	if err != nil {
		return people, false, err
	}
	for _, o := range owners {
		people.Hosts = append(people.Hosts, domain.EventPerson{Role: domain.RoleHost, OrganiserID: *o.OrganiserID, Name: o.Name, Email: o.Email})
	}
	return people, true, nil
}

// groupOwners are the hosts of an event that has none set.
func (db *DB) groupOwners(tx *gorm.DB, groupID string) ([]hostRow, error) {
	var rows []hostRow
	err := tx.Raw(`SELECT o.id AS organiser_id, o.name, o.email, o.email_norm FROM group_members m
		JOIN organisers o ON o.id = m.organiser_id WHERE m.group_id = ? AND m.role = 'owner'
		ORDER BY m.created_at, o.id`, groupID).Scan(&rows).Error
	return rows, err
}
