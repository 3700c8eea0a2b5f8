package store

import (
	"time"

	"context"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var (
	errGroupNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonGroupNotFound, Message: "No such group."}
	errNotOwner      = &domain.Error{Code: domain.EFORBIDDEN, Reason: domain.ReasonOwnerRequired, Message: "Only an owner of the group may do this."}
	errLastOwner     = domain.Conflict(domain.ReasonLastOwner, "A group needs at least one owner: make someone else an owner first.")
	errSlugTaken     = &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonSlugTaken, Message: "slug: is already taken",
		Fields: []domain.FieldError{{Field: "slug", Message: "is already taken"}}}
)

// role returns the organiser's role in a group, locking the group row for
// the rest of the transaction when lock is set. Non-members get ENOTFOUND,
// exactly as if the group did not exist, so ids leak nothing.
func (db *DB) role(tx *gorm.DB, groupID, organiserID string, lock bool) (domain.Role, error) {
	var role string
	q := `SELECT m.role FROM group_members m WHERE m.group_id = ? AND m.organiser_id = ?`
	if lock {
		q = `SELECT m.role FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE m.group_id = ? AND m.organiser_id = ?` + db.dialect.lockRows("g")
	}
	res := tx.Raw(q, groupID, organiserID).Scan(&role)
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected == 0 {
		return "", errGroupNotFound
	}
	return domain.Role(role), nil
}

// CreateGroup creates a group owned by organiserID. It returns EINVALID for
// bad fields and ECONFLICT (reason "slug_taken") for a used slug.
func (db *DB) CreateGroup(ctx context.Context, organiserID string, g domain.Group) (domain.Group, error) {
	if err := g.Validate(); err != nil {
		return domain.Group{}, err
	}
	now := db.now()
	g.ID, g.CreatedAt, g.UpdatedAt = domain.NewID(), now, now
	row := groupFromDomain(g)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Create(&memberRow{GroupID: row.ID, OrganiserID: organiserID, Role: string(domain.RoleOwner), CreatedAt: now}).Error
	})
	if isDuplicate(err) {
		return domain.Group{}, errSlugTaken
	}
	return row.toDomain(), err
}

// FindGroup returns a group the organiser belongs to, with their role.
func (db *DB) FindGroup(ctx context.Context, organiserID, groupID string) (domain.Group, domain.Role, error) {
	var (
		row  groupRow
		role domain.Role
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if role, err = db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		return tx.Where("id = ?", groupID).Take(&row).Error
	})
	return row.toDomain(), role, err
}

// ListGroups lists the groups the organiser belongs to.
func (db *DB) ListGroups(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.Group], error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.Group]{}, err
	}
	limit := pageSize(opts)
	var rows []groupRow
	err = db.read(ctx, func(q *gorm.DB) error {
		return q.Raw(`SELECT g.* FROM groups g JOIN group_members m ON m.group_id = g.id
			WHERE m.organiser_id = ? AND g.id > ? ORDER BY g.id LIMIT ?`, organiserID, after, limit+1).Scan(&rows).Error
	})
	return paginate(rows, limit, groupRow.toDomain, func(r groupRow) string { return encodeCursor("", r.ID) }), err
}

// UpdateGroup changes a group; owners only (EFORBIDDEN otherwise).
func (db *DB) UpdateGroup(ctx context.Context, organiserID, groupID string, u domain.GroupUpdate) (domain.Group, error) {
	var row groupRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		role, err := db.role(tx, groupID, organiserID, true)
		if err != nil {
			return err
		}
		if role != domain.RoleOwner {
			return errNotOwner
		}
		if err := tx.Where("id = ?", groupID).Take(&row).Error; err != nil {
			return err
		}
		g := row.toDomain()
		u.Apply(&g)
		if err := g.Validate(); err != nil {
			return err
		}
		g.UpdatedAt = db.now()
		row = groupFromDomain(g)
		return tx.Save(&row).Error
	})
	if isDuplicate(err) {
		return domain.Group{}, errSlugTaken
	}
	return row.toDomain(), err
}

type memberJoinRow struct {
	OrganiserID string    `gorm:"column:organiser_id"`
	Email       string    `gorm:"column:email"`
	Name        string    `gorm:"column:name"`
	Role        string    `gorm:"column:role"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

// ListMembers lists a group's members; any member may look.
func (db *DB) ListMembers(ctx context.Context, organiserID, groupID string, opts domain.ListOptions) (domain.Page[domain.Member], error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.Member]{}, err
	}
	limit := pageSize(opts)
	var rows []memberJoinRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.role(tx, groupID, organiserID, false); err != nil {
			return err
		}
		return tx.Raw(`SELECT m.organiser_id, o.email, o.name, m.role, m.created_at
			FROM group_members m JOIN organisers o ON o.id = m.organiser_id
			WHERE m.group_id = ? AND m.organiser_id > ? ORDER BY m.organiser_id LIMIT ?`, groupID, after, limit+1).Scan(&rows).Error
	})
	return paginate(rows, limit, memberJoinRow.toDomain, func(r memberJoinRow) string { return encodeCursor("", r.OrganiserID) }), err
}

func (r memberJoinRow) toDomain() domain.Member {
	return domain.Member{OrganiserID: r.OrganiserID, Email: r.Email, Name: r.Name, Role: domain.Role(r.Role), JoinedAt: r.CreatedAt.UTC()}
}

// AddMember makes the organiser with email a member of the group with role,
// creating the organiser if the address is new; owners only. For an existing
// member it changes the role (refusing to demote the last owner) and reports
// created=false.
func (db *DB) AddMember(ctx context.Context, actorID, groupID, email, name string, role domain.Role) (m domain.Member, created bool, err error) {
	var v domain.Validation
	domain.CheckEmail(&v, "email", email, true)
	domain.CheckLine(&v, "name", name, false, domain.MaxNameLen)
	if !role.Valid() {
		v.Add("role", "must be \"owner\" or \"organiser\"")
	}
	if err := v.Err(); err != nil {
		return m, false, err
	}
	err = db.tx(ctx, func(tx *gorm.DB) error {
		actorRole, err := db.role(tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		if actorRole != domain.RoleOwner {
			return errNotOwner
		}
		var o organiserRow
		res := tx.Where("email_norm = ?", domain.NormalizeEmail(email)).Limit(1).Find(&o)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if o, err = db.createOrganiserRow(tx, email, name); err != nil {
				return err
			}
		}
		var existing memberRow
		res = tx.Where("group_id = ? AND organiser_id = ?", groupID, o.ID).Limit(1).Find(&existing)
		if res.Error != nil {
			return res.Error
		}
		now := db.now()
		if res.RowsAffected == 0 {
			created = true
			existing = memberRow{GroupID: groupID, OrganiserID: o.ID, Role: string(role), CreatedAt: now}
			if err := tx.Create(&existing).Error; err != nil {
				return err
			}
		} else if err := db.changeRole(tx, &existing, role); err != nil {
			return err
		}
		m = domain.Member{OrganiserID: o.ID, Email: o.Email, Name: o.Name, Role: domain.Role(existing.Role), JoinedAt: existing.CreatedAt.UTC()}
		return nil
	})
	return m, created, err
}

// SetMemberRole changes a member's role in a group; owners only, and the
// last owner stays one. ENOTFOUND when the organiser is not a member.
func (db *DB) SetMemberRole(ctx context.Context, actorID, groupID, organiserID string, role domain.Role) (domain.Member, error) {
	if !role.Valid() {
		var v domain.Validation
		v.Add("role", "must be \"owner\" or \"organiser\"")
		return domain.Member{}, v.Err()
	}
	var m domain.Member
	err := db.tx(ctx, func(tx *gorm.DB) error {
		actorRole, err := db.role(tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		if actorRole != domain.RoleOwner {
			return errNotOwner
		}
		var existing memberRow
		res := tx.Where("group_id = ? AND organiser_id = ?", groupID, organiserID).Limit(1).Find(&existing)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonMemberNotFound, Message: "No such member in this group."}
		}
		if err := db.changeRole(tx, &existing, role); err != nil {
			return err
		}
		var o organiserRow
		if err := tx.Where("id = ?", organiserID).Take(&o).Error; err != nil {
			return err
		}
		m = domain.Member{OrganiserID: o.ID, Email: o.Email, Name: o.Name, Role: domain.Role(existing.Role), JoinedAt: existing.CreatedAt.UTC()}
		return nil
	})
	return m, err
}

// changeRole gives a member row its new role, refusing to demote the
// group's last owner.
func (db *DB) changeRole(tx *gorm.DB, existing *memberRow, role domain.Role) error {
	if existing.Role == string(role) {
		return nil
	}
	if existing.Role == string(domain.RoleOwner) {
		if err := db.checkNotLastOwner(tx, existing.GroupID); err != nil {
			return err
		}
	}
	existing.Role = string(role)
	return tx.Model(&memberRow{}).Where("group_id = ? AND organiser_id = ?", existing.GroupID, existing.OrganiserID).
		Update("role", string(role)).Error
}

func (db *DB) createOrganiserRow(tx *gorm.DB, email, name string) (organiserRow, error) {
	o, err := db.createOrganiser(tx, email, name)
	if err != nil {
		return organiserRow{}, err
	}
	return organiserRow{ID: o.ID, Email: o.Email, EmailNorm: domain.NormalizeEmail(o.Email), Name: o.Name, CreatedAt: o.CreatedAt}, nil
}

func (db *DB) checkNotLastOwner(tx *gorm.DB, groupID string) error {
	var owners int64
	if err := tx.Model(&memberRow{}).Where("group_id = ? AND role = ?", groupID, string(domain.RoleOwner)).Count(&owners).Error; err != nil {
		return err
	}
	if owners <= 1 {
		return errLastOwner
	}
	return nil
}

// RemoveMember removes an organiser from a group. Owners may remove anyone;
// any member may remove themselves. The last owner cannot leave. The door
// links the member made for the group's events are revoked.
func (db *DB) RemoveMember(ctx context.Context, actorID, groupID, organiserID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		actorRole, err := db.role(tx, groupID, actorID, true)
		if err != nil {
			return err
		}
		if actorRole != domain.RoleOwner && actorID != organiserID {
			return errNotOwner
		}
		var target memberRow
		res := tx.Where("group_id = ? AND organiser_id = ?", groupID, organiserID).Limit(1).Find(&target)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonMemberNotFound, Message: "No such member in this group."}
		}
		if target.Role == string(domain.RoleOwner) {
			if err := db.checkNotLastOwner(tx, groupID); err != nil {
				return err
			}
		}
		if err := tx.Where("group_id = ? AND organiser_id = ?", groupID, organiserID).Delete(&memberRow{}).Error; err != nil {
			return err
		}
		// Door links are the member's authority handed to door staff: they
		// go with it (and would not work anyway, domain.DoorLink.State),
		// and stay revoked should the member come back.
		return tx.Exec(`UPDATE door_links SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL
			AND event_id IN (SELECT id FROM events WHERE group_id = ?)`, db.now(), organiserID, groupID).Error
	})
}
