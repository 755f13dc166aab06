package blueprints

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
)

var validClouds = map[string]bool{CloudAWS: true, CloudGCP: true, CloudBareMetal: true}

// cloudPatterns recognises each cloud's value formats, so that a value from
// one cloud used in a region of another is caught before any API call. They
// are shapes, not catalogues: new instance families keep matching.
var cloudPatterns = map[string]struct {
	location, zone, instanceType, dbClass *lazyregexp.Regexp
	exampleType, exampleClass             string
}{
	// us-east-1, eu-central-2, us-gov-west-1; zones add a letter; instance
	// types are FAMILY.SIZE (t3.small); RDS classes db.FAMILY.SIZE.
	CloudAWS: {
		location:     lazyregexp.New(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}$`),
		zone:         lazyregexp.New(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]{1,2}[a-z]$`),
		instanceType: lazyregexp.New(`^[a-z][a-z0-9-]*\.[a-z0-9-]+$`),
		dbClass:      lazyregexp.New(`^db\.[a-z0-9-]+\.[a-z0-9-]+$`),
		exampleType:  "t3.small", exampleClass: "db.t3.medium",
	},
	// us-central1, europe-west4; zones add -a to -f (GCP zone letters stop
	// at f); machine types FAMILY-KIND[-N]
	// (e2-medium, n2-standard-4); Cloud SQL tiers db-custom-2-7680, db-g1-small.
	CloudGCP: {
		location:     lazyregexp.New(`^[a-z]+-[a-z]+[0-9]{1,2}$`),
		zone:         lazyregexp.New(`^[a-z]+-[a-z]+[0-9]{1,2}-[a-f]$`),
		instanceType: lazyregexp.New(`^[a-z][a-z0-9]*-[a-z0-9-]+$`),
		dbClass:      lazyregexp.New(`^db-[a-z0-9-]+$`),
		exampleType:  "e2-medium", exampleClass: "db-custom-2-7680",
	},
}

// otherCloud names the cloud whose format value matches, for a helpful
// message ("t3.small is an AWS instance type").
func otherCloud(field, value, not string) string {
	for cloud, p := range cloudPatterns {
		if cloud == not {
			continue
		}
		re := p.instanceType
		if field == "db" {
			re = p.dbClass
		}
		if re.MatchString(value) {
			return cloud
		}
	}
	return ""
}

func cloudTitle(c string) string {
	switch c {
	case CloudAWS:
		return "AWS"
	case CloudGCP:
		return "GCP"
	}
	return "bare-metal"
}

var (
	dailyRe  = lazyregexp.New(`^daily(?:\s+([0-9]{1,2}):([0-9]{2}))?$`)
	hourlyRe = lazyregexp.New(`^hourly(?:\s+:([0-9]{2}))?$`)
	everyRe  = lazyregexp.New(`^every\s+([0-9]{1,2})h$`)
	weeklyRe = lazyregexp.New(`^weekly\s+(mon|tue|wed|thu|fri|sat|sun)(?:\s+([0-9]{1,2}):([0-9]{2}))?$`)
	cronRe   = lazyregexp.New(`^cron\(([^()]*)\)$`)
)

// parseSchedule turns a backup schedule into the AWS cron form and the
// longest gap between two backups (the RPO of a region restored from them).
// Accepted: "daily", "daily 03:00", "hourly", "hourly :15", "every 6h",
// "weekly sun 03:00", or a raw "cron(M H DOM MON DOW YEAR)".
func parseSchedule(s string) (string, time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	hm := func(h, m string) (int, int, error) {
		hh, mm := 0, 0
		if h != "" {
			hh, _ = strconv.Atoi(h)
			mm, _ = strconv.Atoi(m)
		}
		if hh > 23 || mm > 59 {
			return 0, 0, fmt.Errorf("%q is not a time of day (HH:MM, 00:00 to 23:59)", h+":"+m)
		}
		return hh, mm, nil
	}
	if m := dailyRe.FindStringSubmatch(s); m != nil {
		hh, mm, err := hm(m[1], m[2])
		if err != nil {
			return "", 0, err
		}
		return fmt.Sprintf("cron(%d %d * * ? *)", mm, hh), 24 * time.Hour, nil
	}
	if m := hourlyRe.FindStringSubmatch(s); m != nil {
		mm := 0
		if m[1] != "" {
			mm, _ = strconv.Atoi(m[1])
			if mm > 59 {
				return "", 0, fmt.Errorf("minute %d is past 59", mm)
			}
		}
		return fmt.Sprintf("cron(%d * * * ? *)", mm), time.Hour, nil
	}
	if m := everyRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > 24 || 24%n != 0 {
			return "", 0, fmt.Errorf("every %dh: the hours must divide a day (1, 2, 3, 4, 6, 8, 12 or 24)", n)
		}
		return fmt.Sprintf("cron(0 */%d * * ? *)", n), time.Duration(n) * time.Hour, nil
	}
	if m := weeklyRe.FindStringSubmatch(s); m != nil {
		hh, mm, err := hm(m[2], m[3])
		if err != nil {
			return "", 0, err
		}
		return fmt.Sprintf("cron(%d %d ? * %s *)", mm, hh, strings.ToUpper(m[1])), 7 * 24 * time.Hour, nil
	}
	if m := cronRe.FindStringSubmatch(s); m != nil {
		f := strings.Fields(m[1])
		if len(f) != 6 {
			return "", 0, fmt.Errorf("a cron expression has six fields (minutes hours day-of-month month day-of-week year), %q has %d", s, len(f))
		}
		return "cron(" + strings.ToUpper(strings.Join(f, " ")) + ")", cronInterval(f), nil
	}
	return "", 0, fmt.Errorf("%q is not a schedule: use \"daily 03:00\", \"hourly\", \"every 6h\", \"weekly sun 03:00\" or \"cron(0 3 * * ? *)\"", s)
}

// cronInterval estimates the longest gap between runs of a cron
// expression: conservative (a day unless the hours say otherwise, a week
// when a day of the week is named).
func cronInterval(f []string) time.Duration {
	hours, dow := f[1], f[4]
	if dow != "*" && dow != "?" {
		return 7 * 24 * time.Hour
	}
	if f[2] != "*" && f[2] != "?" {
		return 31 * 24 * time.Hour
	}
	switch {
	case hours == "*":
		return time.Hour
	case strings.HasPrefix(hours, "*/"):
		if n, err := strconv.Atoi(hours[2:]); err == nil && n > 0 && n <= 24 {
			return time.Duration(n) * time.Hour
		}
	case strings.Contains(hours, ","):
		// Evenly spread lists are the common case; the largest gap is what counts.
		var hs []int
		for _, p := range strings.Split(hours, ",") {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n > 23 {
				return 24 * time.Hour
			}
			hs = append(hs, n)
		}
		maxGap := 0
		for i := range hs {
			next := hs[(i+1)%len(hs)]
			gap := (next - hs[i] + 24) % 24
			if gap == 0 {
				gap = 24
			}
			maxGap = max(maxGap, gap)
		}
		return time.Duration(maxGap) * time.Hour
	}
	return 24 * time.Hour
}
