package store

import "testing"

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                                "SELECT 1",
		"a = ? AND b IN (?,?)":                    "a = $1 AND b IN ($2,$3)",
		"(?1 = '' OR s = ?1) AND k LIKE ?2":       "($1 = '' OR s = $1) AND k LIKE $2",
		"x = '?' AND y = ? -- why?\nAND z = ?":    "x = '?' AND y = $1 -- why?\nAND z = $2",
		`"odd?name" = ? AND e LIKE '%\' ESCAPE ?`: `"odd?name" = $1 AND e LIKE '%\' ESCAPE $2`,
		"unterminated '?":                         "unterminated '?",
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
