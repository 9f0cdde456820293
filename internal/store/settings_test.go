package store

import (
	"context"
	"testing"
)

// Settings can be set, replaced, listed by a key prefix and deleted.
func TestSettingsByPrefix(t *testing.T) {
	stores(t, testSettingsByPrefix)
}

func testSettingsByPrefix(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for k, v := range map[string]string{"job:1": "a", "job:2": "b", "jobs": "x", "other": "y"} {
		if err := db.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetSetting(ctx, "job:2", "b2"); err != nil {
		t.Fatal(err)
	}
	got, err := db.SettingsWithPrefix(ctx, "job:")
	if err != nil || len(got) != 2 || got["job:1"] != "a" || got["job:2"] != "b2" {
		t.Fatalf("SettingsWithPrefix = %v, %v", got, err)
	}
	if err := db.DeleteSetting(ctx, "job:1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.Setting(ctx, "job:1"); ok {
		t.Fatal("a deleted setting is still there")
	}
}
