package blueprints

import (
	"fmt"
	"strings"
)

// Value shapes per cloud for callers outside the blueprint language: the
// provider's resources check their own location, zones and instance type
// with the same patterns the blueprint checks use, so a value of one cloud
// given to a component of another is refused at plan time either way.

// LocationProblem is "" when location has the shape of a region of cloud
// (aws or gcp; other clouds are not checked), else why not.
func LocationProblem(cloud, location string) string {
	p, ok := cloudPatterns[cloud]
	if !ok || p.location.MatchString(location) {
		return ""
	}
	hint := ""
	for other, op := range cloudPatterns {
		if other != cloud && op.location.MatchString(location) {
			hint = " It looks like " + article(cloudTitle(other)) + " " + cloudTitle(other) + " region."
		}
	}
	return fmt.Sprintf("%q is not %s %s region name.%s", location, article(cloudTitle(cloud)), cloudTitle(cloud), hint)
}

// ZoneProblem is "" when zone has the shape of a zone of cloud's region
// location, else why not.
func ZoneProblem(cloud, location, zone string) string {
	p, ok := cloudPatterns[cloud]
	if !ok {
		return ""
	}
	if !p.zone.MatchString(zone) || !strings.HasPrefix(zone, location) {
		return fmt.Sprintf("%q is not a zone of %s region %s.", zone, cloudTitle(cloud), location)
	}
	return ""
}

// InstanceTypeProblem is "" when instanceType has the shape of an instance
// (machine) type of cloud, else why not, naming the cloud it belongs to
// when it has the shape of another's.
func InstanceTypeProblem(cloud, instanceType string) string {
	p, ok := cloudPatterns[cloud]
	if !ok || p.instanceType.MatchString(instanceType) {
		return ""
	}
	title := cloudTitle(cloud)
	if o := otherCloud("instance", instanceType, cloud); o != "" {
		return fmt.Sprintf("%q is %s %s instance type, but this component is on %s. Use %s %s type such as %q.",
			instanceType, article(cloudTitle(o)), cloudTitle(o), cloud, article(title), title, p.exampleType)
	}
	return fmt.Sprintf("%q is not %s %s instance type (such as %q).", instanceType, article(title), title, p.exampleType)
}

// DatabaseClassProblem is "" when class has the shape of a database
// instance class of cloud (db.t3.micro on aws, db-custom-2-7680 on gcp),
// else why not, naming the cloud it belongs to when it is another's.
func DatabaseClassProblem(cloud, class string) string {
	p, ok := cloudPatterns[cloud]
	if !ok || p.dbClass.MatchString(class) {
		return ""
	}
	title := cloudTitle(cloud)
	if o := otherCloud("db", class, cloud); o != "" {
		return fmt.Sprintf("%q is %s %s database class, but this database is on %s. Use a class such as %q.",
			class, article(cloudTitle(o)), cloudTitle(o), cloud, p.exampleClass)
	}
	return fmt.Sprintf("%q is not %s %s database class (such as %q).", class, article(title), title, p.exampleClass)
}
