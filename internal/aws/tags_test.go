package aws

import (
	"reflect"
	"strings"
	"testing"
)

func TestTagChanges(t *testing.T) {
	have := map[string]string{"a": "1", "b": "2", "z": "9", "ha:promoted-from": "x", "c": "3"}
	want := map[string]string{"a": "1", "b": "20", "d": "4"}
	add, remove := TagChanges(have, want, func(k string) bool { return strings.HasPrefix(k, "ha:") })
	if !reflect.DeepEqual(add, map[string]string{"b": "20", "d": "4"}) {
		t.Errorf("add = %v", add)
	}
	if !reflect.DeepEqual(remove, []string{"c", "z"}) {
		t.Errorf("remove = %v (kept keys must stay, the rest sorted)", remove)
	}
	if add, remove := TagChanges(want, want, nil); len(add) != 0 || len(remove) != 0 {
		t.Errorf("no change expected: %v %v", add, remove)
	}
}
