package domain

import (
	"fmt"
	"strings"
)

// Validate checks the people an organiser sets for an event: at most
// MaxEventPeople in each list, host ids that could be organiser ids and
// appear once, speakers and volunteers with a one-line name, an optional
// valid address and (speakers) an optional talk title and http(s) slides
// link. Nobody may be listed twice in one list: by address, or by name
// when there is no address. Whether the hosts are members of the event's
// group is the store's to check. Fields are named like hosts[2] and
// speakers[0].email.
func (in EventPeopleInput) Validate() error {
	var v Validation
	if len(in.HostIDs) > MaxEventPeople {
		v.Add("hosts", "must list at most %d organisers", MaxEventPeople)
	} else {
		seen := map[string]bool{}
		for i, id := range in.HostIDs {
			field := fmt.Sprintf("hosts[%d]", i)
			switch {
			case !ValidID(id):
				v.Add(field, "is not an organiser id")
			case seen[id]:
				v.Add(field, "is listed twice")
			}
			seen[id] = true
		}
	}
	checkPeople(&v, "speakers", in.Speakers, true)
	checkPeople(&v, "volunteers", in.Volunteers, false)
	return v.Err()
}

func checkPeople(v *Validation, list string, people []PersonInput, talks bool) {
	if len(people) > MaxEventPeople {
		v.Add(list, "must list at most %d people", MaxEventPeople)
		return
	}
	seen := map[string]bool{}
	for i, p := range people {
		at := fmt.Sprintf("%s[%d]", list, i)
		CheckLine(v, at+".name", p.Name, true, MaxNameLen)
		CheckEmail(v, at+".email", p.Email, false)
		if talks {
			CheckLine(v, at+".talk_title", p.TalkTitle, false, MaxTitleLen)
			CheckURL(v, at+".slides_url", strings.TrimSpace(p.SlidesURL))
		} else {
			if p.TalkTitle != "" {
				v.Add(at+".talk_title", "is only for speakers")
			}
			if p.SlidesURL != "" {
				v.Add(at+".slides_url", "is only for speakers")
			}
		}
		if v.Has(at+".name") || v.Has(at+".email") {
			continue
		}
		key := p.Key()
		field := at + ".name"
		if strings.HasPrefix(key, "email:") {
			field = at + ".email"
		}
		if seen[key] {
			v.Add(field, "is listed twice")
		}
		seen[key] = true
	}
}

// Key names a speaker or volunteer across changes of the list, so that
// their contribution record stays the same record: the address when there
// is one, else the name (case and spacing aside).
func (p PersonInput) Key() string {
	if e := NormalizeEmail(p.Email); e != "" {
		return "email:" + e
	}
	return "name:" + strings.ToLower(strings.Join(strings.Fields(p.Name), " "))
}
