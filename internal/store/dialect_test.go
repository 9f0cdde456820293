package store

import (
	"strings"
	"testing"
)

func TestPoolSize(t *testing.T) {
	got, n, err := poolSize("postgres://u:secret@db.example/drip?pool_max_conns=4&sslmode=require")
	if err != nil || n != 4 || got != "postgres://u:secret@db.example/drip?sslmode=require" {
		t.Fatalf("poolSize = %q, %d, %v; want pool_max_conns taken out and 4", got, n, err)
	}
	if _, n, _ := poolSize("postgres://db.example/drip"); n != pgConnections {
		t.Fatalf("default pool %d, want %d", n, pgConnections)
	}
	for _, bad := range []string{"postgres://u:secret@db.example/drip?pool_max_conns=lots", "postgres://u:secret@db.example/drip?pool_max_conns=1", "postgres://u:secret@[::1/x"} {
		_, _, err := poolSize(bad)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("poolSize(%q): %v; want an error that does not show the password", bad, err)
		}
	}
}
