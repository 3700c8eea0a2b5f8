package api

import (
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// maxCachedFeeds bounds the group feeds kept in memory.
const maxCachedFeeds = 1000

// feedCache keeps each group's encoded feed with the version of the data
// it was made from (see Store.GroupFeedVersion). Calendar apps poll feeds
// all day and they rarely change: a poll then costs one small query, or
// none within Config.FeedCacheTTL, instead of loading the events and
// encoding the calendar again.
type feedCache struct {
	mu    sync.Mutex
	feeds map[string]*cachedFeed
}

type cachedFeed struct {
	version      string
	checked      time.Time // when version was last confirmed
	body         []byte
	etag         string
	lastModified time.Time
}

func newFeedCache() *feedCache { return &feedCache{feeds: map[string]*cachedFeed{}} }

// get returns the cached feed of a group, if any.
func (fc *feedCache) get(slug string) (cachedFeed, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f, ok := fc.feeds[slug]
	if !ok {
		return cachedFeed{}, false
	}
	return *f, true
}

// confirm records that the cached feed is still that of version at now.
func (fc *feedCache) confirm(slug, version string, now time.Time) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if f, ok := fc.feeds[slug]; ok && f.version == version {
		f.checked = now
	}
}

// put keeps a newly encoded feed, dropping another one when full.
func (fc *feedCache) put(slug, version string, now time.Time, body []byte, lastModified time.Time) cachedFeed {
	f := &cachedFeed{version: version, checked: now, body: body, etag: etagOf(body), lastModified: lastModified}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if _, ok := fc.feeds[slug]; !ok && len(fc.feeds) >= maxCachedFeeds {
		for k := range fc.feeds { // any one: map order is random
			delete(fc.feeds, k)
			break
		}
	}
	fc.feeds[slug] = f
	return *f
}

// etagOf is the strong ETag of a body: a hash of its bytes.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}
