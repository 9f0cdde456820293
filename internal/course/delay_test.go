package course_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

func TestParseDelay(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"0d", 0, false},
		{"0m", 0, false},
		{"2d", 2 * day, false},
		{"36h", 36 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"1d12h", day + 12*time.Hour, false},
		{"2h30m", 150 * time.Minute, false},
		{"1d1h1m", day + time.Hour + time.Minute, false},
		{"1m1m", 2 * time.Minute, false},
		{"365d", 365 * day, false},
		{"8760h", 365 * day, false},
		{"0365d", 365 * day, false},
		{"", 0, true},
		{"2x", 0, true},
		{"abc", 0, true},
		{"d", 0, true},
		{"2", 0, true},
		{"2D", 0, true},
		{"1.5d", 0, true},
		{"-1d", 0, true},
		{"+1d", 0, true},
		{"1d ", 0, true},
		{" 1d", 0, true},
		{"1d 2h", 0, true},
		{"2s", 0, true},
		{"366d", 0, true},
		{"365d1m", 0, true},
		{"12345m", 0, true},
		{"99999999999999999999d", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := course.ParseDelay(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDelay(%q) = %v, %v; want error %v", tt.in, got, err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("ParseDelay(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatDelay(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0d"},
		{time.Minute, "1m"},
		{90 * time.Minute, "1h30m"},
		{2 * time.Hour, "2h"},
		{24 * time.Hour, "1d"},
		{36 * time.Hour, "1d12h"},
		{49*time.Hour + 5*time.Minute, "2d1h5m"},
		{365 * 24 * time.Hour, "365d"},
	}
	for _, tt := range tests {
		if got := course.FormatDelay(tt.in); got != tt.want {
			t.Errorf("FormatDelay(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := course.ParseDelay(course.FormatDelay(tt.in))
		if err != nil || back != tt.in {
			t.Errorf("ParseDelay(FormatDelay(%v)) = %v, %v", tt.in, back, err)
		}
	}
}
